"""The catalogue of daily-assessment items (seed 000, 第四条 实施细则): what a lead may record,
with its class, default points and allowed range. Pure data; the app's copy is the config
value ASSESSMENT_CATALOGUE, which defaults to `default_catalogue()`."""

from dataclasses import dataclass
from datetime import date

from .rules import AssessmentRules

CLASS_A, CLASS_B, CLASS_C, CLASS_PLUS = "A", "B", "C", "plus"
# Not recorded by hand: exam items arrive from grading, the supervisor's from its own form.
CLASS_EXAM, CLASS_SUPERVISOR = "exam", "supervisor"
CLASS_LABELS = {
    CLASS_A: "A类 轻度违规",
    CLASS_B: "B类 中度违规",
    CLASS_C: "C类 重度违规",
    CLASS_PLUS: "加分",
    CLASS_EXAM: "考试",
    CLASS_SUPERVISOR: "主管奖惩",
}
SUPERVISOR = "supervisor"
NOTE_MAX, EVIDENCE_MAX = 255, 500


@dataclass(frozen=True)
class ItemKind:
    code: str
    item_class: str
    label: str
    default_points: int
    min_points: int
    max_points: int  # deductions are negative: min_points is the largest deduction
    demerit: bool = False
    dismissal: bool = False

    @property
    def selectable(self) -> bool:
        """Whether a lead picks it in the add-item form."""
        return self.item_class in (CLASS_A, CLASS_B, CLASS_C, CLASS_PLUS)

    @property
    def fixed(self) -> bool:
        return self.min_points == self.max_points

    def allows(self, points: int) -> bool:
        return self.min_points <= points <= self.max_points

    @property
    def range_text(self) -> str:
        if self.fixed:
            return f"{self.default_points:+d} 分"
        return f"{self.min_points:+d} 至 {self.max_points:+d} 分"


@dataclass(frozen=True)
class Catalogue:
    kinds: tuple[ItemKind, ...]

    def get(self, code: str) -> ItemKind | None:
        return next((k for k in self.kinds if k.code == code), None)

    def selectable(self) -> list[ItemKind]:
        return [k for k in self.kinds if k.selectable]


def _a(code, label, low, high=None, default=None):
    high = low if high is None else high
    return ItemKind(code, CLASS_A, label, -low if default is None else default, -high, -low)


def _b(code, label):
    return ItemKind(code, CLASS_B, label, -5, -5, -5)


def _c(code, label, **flags):
    return ItemKind(code, CLASS_C, label, -10, -10, -10, **flags)


def _plus(code, label, low, high=None):
    return ItemKind(code, CLASS_PLUS, label, low, low, low if high is None else high)


def default_catalogue(rules: AssessmentRules | None = None) -> Catalogue:
    """The seed's table. The exam and supervisor figures come from `rules`, so that they
    cannot disagree with what grading and the supervisor's form do."""
    rules = rules or AssessmentRules()
    limit = rules.supervisor_limit
    return Catalogue((
        _a("a_loss", "客服操作错误产生的损失大于操作失误损失限额(每 10 元扣 2 分)", 2, 5),
        _a("a_browsing", "工作时间浏览无关网页", 2),
        _a("a_handover", "交接班信息不完整", 2),
        _a("a_attitude", "当班值班态度消极", 2),
        _a("a_late_early", "迟到早退(视情节)", 2, 5),
        _a("a_records", "未能认真记录填写交接班记录及相关表单", 2),
        _a("a_complaint", "当班时间未能及时回复顾客申诉,回复申诉不耐心、不友好", 5),
        _a("a_away", "当班时间离开工作岗位超过 5 分钟,未告知上级", 5),
        _a("a_daily_work", "未能及时有效地执行客服日常工作", 2, 5),
        _a("a_chat", "上班时间与本职工作无关的网络聊天", 1, 2),
        _a("a_noise", "在办公区域大声喧哗,影响他人工作", 2),
        _a("a_incident_30m", "未在流程控制时间内处理突发事件,30 分钟内", 5),
        _a("a_spot_check", "主管随机抽查错误", 1, 5),
        _a("a_leave", "在法定工作时间内请假(视情节,每天)", 1, 2),
        _a("a_other", "其他轻度违规", 1, 5),
        _b("b_games", "工作时间内观看在线播放电影、玩游戏"),
        _b("b_false_workload", "表单数据记录与实际工作量严重不符,虚报工作量"),
        _b("b_unreported", "当班时间突发事件未能及时反映,或者知情不报"),
        _b("b_software", "未经主管批准,私自在工作机器中下载、安装软件"),
        _b("b_skipped", "私自跳过未处理的问题或其他工作记录"),
        _b("b_meeting", "未请假缺席部门例会"),
        _b("b_incident_2h", "未在流程控制时间内处理突发事件,超过 30 分钟到 2 小时内"),
        _c("c_absence", "旷工"),
        _c("c_conflict", "当班时间与客户发生争执或冲突,态度恶劣(有效投诉)"),
        _c("c_outsiders", "将非公司人员带入工作区域"),
        _c("c_price", "未经允许私自答应客户改价格(需照价赔偿,并记过一次)", demerit=True),
        _c("c_incident_over_2h", "未在流程控制时间内处理突发事件,超过 2 小时以上(并记过一次)",
           demerit=True),
        _c("c_sleeping", "工作时间内睡觉,特别是夜班客服(并记过一次)", demerit=True),
        _c("c_other_shop", "上班时间兼职其他店铺客服(直接辞退)", dismissal=True),
        _plus("p_extra_work", "当月完成非客服本职工作(以额外工作单为准)", 1, 5),
        _plus("p_cover_shift", "突发情况或活动期间人手不够时,随叫随到主动顶班", 5),
        _plus("p_zero_cost", "在客户满意的情况下,处理售后问题做到 0 成本付出", 5),
        _plus("p_extra_task", "完成本职工作的同时,完成上级提出的额外工作", 5),
        _plus("p_satisfaction", "经核实客户满意度(满意及以上)在 90% 以上(每月)", 5),
        _plus("p_proposal", "对客服团队管理提出合理化建议,经试行效果理想", 10),
        _plus("p_hard_cases", "对难缠客户、难以回复的问题提出处理意见,经采纳效果明显改善", 5),
        _plus("p_attendance", "无迟到早退全勤(每月)", 5),
        _plus("p_process_fix", "在销售中发现产品、销售、售后等流程错误并提出改进", 2, 5),
        _plus("p_emergency", "工作中出现的紧急情况能够及时、妥善处理", 2, 5),
        _plus("p_praise", "受到客户的主观表扬(留言、书面、来电)", 1, 2),
        _plus("p_most_customers", "当月接待客户数量最多", 2, 5),
        _plus("p_conversion", "当月成单率最高", 5),
        _plus("p_other", "其他加分", 1, 5),
        ItemKind("exam_below_pass", CLASS_EXAM, "客服考试,得分在 60 以下",
                 rules.exam_fail_points, rules.exam_fail_points, rules.exam_fail_points),
        ItemKind("exam_perfect", CLASS_EXAM, "客服考试分数为满分", rules.exam_perfect_points,
                 rules.exam_perfect_points, rules.exam_perfect_points),
        ItemKind(SUPERVISOR, CLASS_SUPERVISOR, "主管月度额外奖惩", 0, -limit, limit),
    ))


def month_range_text(month: str) -> str:
    year, number = month.split("-")
    return f"{year} 年 {int(number)} 月"


def check_item(kind: ItemKind | None, points: int | None, occurred_on: date | None,
               month: str, note: str, evidence: str = "") -> dict[str, str]:
    """What is wrong with an item about to be recorded, by form field; empty when fine."""
    errors = {}
    if kind is None:
        return {"code": "请选择考核项目"}
    if points is None:
        errors["points"] = "请输入分值"
    elif not kind.allows(points):
        errors["points"] = f"「{kind.label}」的分值应为 {kind.range_text}"
    if occurred_on is None:
        errors["occurred_on"] = "请输入发生日期"
    elif occurred_on.strftime("%Y-%m") != month:
        errors["occurred_on"] = f"发生日期应在 {month_range_text(month)}内"
    if not note.strip():
        errors["note"] = "请填写说明(发生了什么)"
    elif len(note) > NOTE_MAX:
        errors["note"] = f"说明不能超过 {NOTE_MAX} 个字"
    if len(evidence) > EVIDENCE_MAX:
        errors["evidence"] = f"凭证不能超过 {EVIDENCE_MAX} 个字"
    return errors


def check_revised_points(kind: ItemKind, points: int | None) -> str | None:
    """An appeal's outcome: points within the item's range, or 0 (withdrawn in effect)."""
    if points is None:
        return "请输入改后的分值"
    if points == 0 or kind.allows(points):
        return None
    return f"「{kind.label}」的分值应为 {kind.range_text},或 0(撤销)"
