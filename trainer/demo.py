"""The demo organization behind `make run`: realistic people, months and scores.

Exams, grading and the assessment ledger go through the real services, so the demo data is
what the product itself would have produced.
"""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from .accounts.models import Team, User, utcnow
from .accounts.roles import Role
from .accounts.service import create_user
from .assessment import service as assessment
from .clock import from_local, local_now
from .exams import service as exams
from .exams.models import Attempt, Exam
from .extensions import db
from .kpi.models import MonthlyMetrics
from .learning.models import ModuleProgress
from .learning.service import catalog, certification_exam
from .questions.models import QuestionVersion

DEMO_PASSWORD = "demo1234"  # noqa: S105  (published with the demo on purpose)
TEAMS = ("售前一组", "售后二组")
NAMES = (
    "王芳", "李娜", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴婷", "徐明",
    "孙悦", "胡萍", "朱琳", "高翔", "林晓", "何雪", "郭斌", "马骏", "罗欣", "梁晨", "宋佳",
)
# (code, points, reason) for the ledger's ordinary life.
# Catalogue items a lead records in a month (code, points or None for the default, note).
DAILY_ITEMS = (
    ("a_handover", None, "夜班交接记录漏写两单待跟进售后"),
    ("a_browsing", None, "当班时间浏览购物网站"),
    ("a_late_early", -3, "迟到 25 分钟"),
    ("a_spot_check", -2, "抽查:尺码推荐与尺码表不符"),
    ("b_meeting", None, "未请假缺席周一例会"),
    ("p_satisfaction", None, "本月满意度 93%"),
    ("p_attendance", None, "本月全勤"),
    ("p_praise", 2, "顾客留言表扬耐心细致"),
    ("p_cover_shift", None, "双十一前夜主动顶班"),
)

SUPERVISOR_NOTES = ((3, "大促期间带新人,主动分担咨询"), (-2, "本月两次回复顾客语气生硬,已当面提醒"))


def _month_start(month: str) -> datetime:
    year, number = (int(p) for p in month.split("-"))
    return datetime(year, number, 1)


def _month_end(month: str) -> datetime:
    start = _month_start(month)
    return (start + timedelta(days=32)).replace(day=1)


def _months_back(current: str, count: int) -> list[str]:
    months, month = [], current
    for _ in range(count):
        month = exams.previous_month(month)
        months.append(month)
    return list(reversed(months))


class NotEmpty(Exception):
    """The database holds a real organization; demo people must not be mixed into it."""


LOGINS = (
    ("admin", "管理员"),
    ("manager", "客服主管"),
    ("lead1", "组长"),
    ("lead2", "组长"),
    ("agent01", "客服"),
    ("agent19", "新人客服"),
)


def is_seeded() -> bool:
    """Every demo login exists: one alone may be a real installation's "admin"."""
    usernames = [u for u, _ in LOGINS]
    found = select(func.count()).select_from(User).where(User.username.in_(usernames))
    return db.session.scalar(found) == len(usernames)


def seed() -> tuple[tuple[str, str], ...]:
    """Create the organization once; later calls only return the logins."""
    if not is_seeded():
        if db.session.scalar(select(User.id).limit(1)) is not None:
            raise NotEmpty("数据库中已有其他用户:演示数据只能创建在空数据库中")
        _create(random.Random(2026))
        db.session.commit()
    return LOGINS


def _user(username, name, role, team, joined_on, certified_on=None):
    user, _ = create_user(username=username, display_name=name, role=role, team=team,
                          joined_on=joined_on, actor=None, password=DEMO_PASSWORD,
                          must_change_password=False)
    user.certified_on = certified_on
    return user


def _create(rng: random.Random) -> None:
    today = local_now().date()
    teams = [Team(name=n) for n in TEAMS]
    db.session.add_all(teams)
    _user("admin", "系统管理员", Role.ADMIN, None, today - timedelta(days=900))
    manager = _user("manager", "沈主管", Role.MANAGER, None, today - timedelta(days=800))
    leads = {teams[0].name: _user("lead1", "许组长", Role.LEAD, teams[0],
                                  today - timedelta(days=700)),
             teams[1].name: _user("lead2", "韩组长", Role.LEAD, teams[1],
                                  today - timedelta(days=650))}

    agents = []
    for index, name in enumerate(NAMES, start=1):
        onboarding = index > 18
        # agent16..18 joined this quarter, so the onboarding funnel has certified hires too.
        joined = today - timedelta(days=rng.randint(3, 20) if onboarding
                                   else rng.randint(40, 85) if index > 15
                                   else rng.randint(120, 420))
        certified = None if onboarding else joined + timedelta(days=rng.randint(5, 12))
        agents.append((_user(f"agent{index:02d}", name, Role.AGENT, teams[index % 2], joined,
                             certified), rng.uniform(0.5, 1.0)))
    db.session.flush()

    _learning(agents, rng)

    current = today.strftime("%Y-%m")
    months = _months_back(current, 3)
    for month in months:
        exam = _exam(month, manager, closed=True)
        for agent, skill in agents:
            if agent.certified_on and agent.certified_on < _month_start(month).date():
                lead = leads[agent.team.name]
                _sit(exam, agent, skill, rng, lead)
                _daily_items(agent, month, rng, lead)
                _metrics(agent, month, skill, rng)
        _supervisor(agents, month, manager, rng)
    _exam(current, manager, closed=False)
    _publish(months, manager, agents[0][0], leads[agents[0][0].team.name])


def _publish(months: list[str], manager: User, agent: User, lead: User) -> None:
    """The older months are published and locked, one with an appeal the lead rejected; last
    month was published two hours ago, so its window is open and `agent` has appealed."""
    older, last = months[-2], months[-1]
    disputed = {
        month: assessment.add_item(agent, month, "a_spot_check", -2, _day(month, 12), note,
                                   "质检截图", None, lead)
        for month, note in ((older, "抽查:退款时效说错"), (last, "抽查:尺码推荐与尺码表不符"))}
    for month in months[:-1]:
        assessment.publish(month, manager,
                           from_local(_month_end(month) + timedelta(days=3, hours=10)))
    published = assessment.publication(older).published_at
    appeal = assessment.file_appeal(
        disputed[older], agent, "当时系统提示的退款时效就是 48 小时,有截图",
        published + timedelta(hours=3))
    assessment.decide_appeal(
        appeal, lead, False, "规则页写明 72 小时,系统提示是旧版本,维持扣分", None,
        published + timedelta(hours=6))
    now = utcnow()
    published = max(now - timedelta(hours=2), from_local(_month_end(last)))
    assessment.publish(last, manager, published)
    assessment.file_appeal(
        disputed[last], agent, "顾客身高体重在两个尺码之间,按规范应推荐偏大一码",
        published + (now - published) / 2)


def _supervisor(agents, month: str, manager: User, rng: random.Random) -> None:
    """The supervisor's discretionary points for a few agents a month, always with a reason."""
    eligible = [a for a, _ in agents if a.certified_on and a.certified_on < _day(month, 1)]
    for agent, (points, reason) in zip(rng.sample(eligible, 2), SUPERVISOR_NOTES, strict=True):
        assessment.set_supervisor_adjustment(agent, month, points, reason, manager)


# How far each onboarding agent (agent19..agent22) has got: modules completed, and whether
# they have already failed the certification exam once.
ONBOARDING = {19: (0, False), 20: (2, False), 21: (4, False), 22: (None, True)}


def _learning(agents, rng: random.Random) -> None:
    modules = catalog()
    exam = certification_exam()
    for number, (agent, skill) in enumerate(agents, start=1):
        if agent.certified_on:
            finished = datetime.combine(agent.certified_on, datetime.min.time())
            for module in modules:
                _progress(agent, module, finished - timedelta(days=1), complete=True)
            _sit(exam, agent, max(skill, 0.95), rng, None, finished + timedelta(hours=10))
            continue
        done, failed_once = ONBOARDING[number]
        done = len(modules) if done is None else done
        started = datetime.combine(agent.joined_on, datetime.min.time()) + timedelta(hours=10)
        for index, module in enumerate(modules[: done + 1]):
            _progress(agent, module, started + timedelta(days=index), complete=index < done)
        if failed_once:
            _sit(exam, agent, 0.3, rng, None, utcnow() - timedelta(days=2))


def _progress(agent: User, module, when: datetime, complete: bool) -> None:
    sections = [s.id for s in module.sections]
    reached = sections if complete else sections[: len(sections) // 2]
    db.session.add(ModuleProgress(
        user_id=agent.id, module_id=module.id, sections_reached=reached,
        last_section=reached[-1] if reached else None, updated_at=when,
        read_at=when if complete else None, quiz_passed_at=when if complete else None,
        best_quiz_score=100.0 if complete else None, completed_at=when if complete else None,
        completed_version=module.version if complete else None))


def _exam(month: str, manager: User, closed: bool) -> Exam:
    """Past exams ran the 20th–26th; the current month's is open all month, for the demo."""
    start = _month_start(month)
    if closed:
        opens, closes = start + timedelta(days=19, hours=9), start + timedelta(days=25, hours=18)
    else:
        opens, closes = start, _month_end(month) - timedelta(minutes=1)
    return exams.create_exam(month, opens_at=from_local(opens), closes_at=from_local(closes),
                             actor=manager)


def _sit(exam: Exam, agent: User, skill: float, rng: random.Random, lead: User | None,
         started: datetime | None = None) -> None:
    paper = exams.paper_for(exam, agent)
    # Office hours: the window opens at 09:00 local time.
    started = started or exam.opens_at + timedelta(
        days=rng.randint(0, 5), hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
    attempt = Attempt(paper_id=paper.id, started_at=started, flags=[],
                      ends_at=started + timedelta(minutes=exam.duration_minutes))
    db.session.add(attempt)
    db.session.flush()
    responses = {}
    for position, item in enumerate(paper.items):
        version = db.session.get(QuestionVersion, item["version_id"])
        responses[position] = _response(version, item["option_order"], skill, rng)
    exams.save_answers(attempt, responses, started + timedelta(minutes=5))
    exams.submit(attempt, started + timedelta(minutes=rng.randint(8, 29)))
    _mark(attempt, skill, rng, lead)


def _mark(attempt: Attempt, skill: float, rng: random.Random, lead: User | None) -> None:
    """The team lead marks the written replies, as they would from the marking queue."""
    waiting = [a for a in attempt.answers if a.credit is None]
    for answer in waiting:
        answer.credit = rng.choice((1.0, 0.75, 0.5)) if rng.random() < skill else 0.25
        answer.is_correct = answer.credit == 1
        answer.marked_by_id = lead.id if lead else None
        answer.marked_at = attempt.submitted_at + timedelta(days=1)
    if waiting:
        exams.settle(attempt, lead)


def _response(version: QuestionVersion, order: list[int], skill: float, rng) -> list:
    """A displayed-index response (or typed text), right with probability `skill`."""
    if version.needs_grader:
        return [version.reference[:200] if rng.random() < skill else "亲,这个问题我帮您问一下。"]
    if version.question.qtype == "truefalse":
        right = version.answer[0]
        return [right if rng.random() < skill else not right]
    if version.question.qtype == "fill":
        return [version.answer[0] if rng.random() < skill else "不清楚"]
    if rng.random() < skill:
        return [order.index(i) for i in version.answer]
    wrong = [d for d, original in enumerate(order) if original not in version.answer]
    return [rng.choice(wrong)]


def _daily_items(agent: User, month: str, rng: random.Random, lead: User) -> None:
    for code, points, note in rng.sample(DAILY_ITEMS, rng.randint(0, 3)):
        assessment.add_item(agent, month, code, points, _day(month, rng.randint(1, 27)), note,
                            "", None, lead)


def _day(month: str, day: int) -> date:
    return _month_start(month).date().replace(day=day)


def _metrics(agent: User, month: str, skill: float, rng: random.Random) -> None:
    consultations = rng.randint(380, 900)
    ordered = int(consultations * rng.uniform(0.3, 0.6))
    paid = int(ordered * rng.uniform(0.82, 0.99))
    received = rng.randint(400, 950)
    db.session.add(MonthlyMetrics(
        user_id=agent.id, month=month,
        sales_actual=_yuan(10000 * rng.uniform(0.5, 1.3) * (0.6 + skill / 2)),
        sales_plan=Decimal(10000), consultations=consultations, ordered_buyers=ordered,
        paid_buyers=paid, im_paid_sales=_yuan(paid * rng.uniform(150, 230)),
        customers_received=received,
        customers_replied=int(received * rng.uniform(0.9, 1.0)),
        avg_response_seconds=Decimal(f"{rng.uniform(18, 45):.1f}"),
        followup_amount=_yuan(rng.uniform(50, 420)),
        personal_revenue=_yuan(paid * rng.uniform(60, 120)),
        promotion=month.endswith(("-06", "-11")),
    ))


def _yuan(amount: float) -> Decimal:
    return Decimal(f"{amount:.2f}")

