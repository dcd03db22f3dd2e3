from datetime import date
from pathlib import Path

import pytest

from trainer.questions.bank import BankQuestion, ChatTurn
from trainer.questions.formats.common import generated_key
from trainer.questions.formats.gift import SAYS, parse_gift, write_gift

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "formats"


def everything(text=None):
    text = text if text is not None else (FIXTURES / "everything.gift").read_text(encoding="utf-8")
    return parse_gift(text, "everything.gift")


def by_key(result):
    return {q.key: q for q in result.questions}


# ------------------------------------------------------------------------ the Moodle fixture

MID_SENTENCE = "七天无理由退货的商品应____,才能办理。"
UNTITLED_MULTIPLE = "催付时可以提到哪些内容?"

# key: (line, category, type, stem, options, answer, explanation)
EXPECTED = {
    "sales-gift-001": (7, "sales", "single", "顾客问“能便宜点吗?”,最合适的回应是?",
                       ("直接拒绝", "说明已是活动价,并推荐满减券", "马上降价"), (1,),
                       "先讲价值,再给台阶。"),
    generated_key("sales", MID_SENTENCE): (14, "sales", "single", MID_SENTENCE,
                                           ("已拆封使用", "保持完好", "缺少配件"), (1,), ""),
    generated_key("sales", UNTITLED_MULTIPLE): (
        16, "sales", "multiple", UNTITLED_MULTIPLE,
        ("库存紧张", "优惠即将结束", "发货时效", "催促顾客马上付款,否则取消订单"), (0, 1, 2),
        "催付要真实、礼貌。"),
    "sales-gift-004": (24, "sales", "multiple", "议价时下列做法正确的是?",
                       ("肯定顾客的眼光", "介绍赠品", "承诺私下返现", "贬低竞品"), (0, 1), ""),
    "sales-gift-tf1": (26, "sales", "truefalse", "客服可以向顾客索要支付密码。", (), (False,), ""),
    "sales-gift-tf2": (28, "sales", "truefalse", "顾客签收后仍可申请售后。", (), (True,), ""),
    "sales-gift-tf3": (30, "sales", "truefalse", "客服回复应使用礼貌用语。", (), (True,),
                       "答对了,礼貌是基本要求。"),
    "sales-gift-tf4": (32, "sales", "truefalse", "活动价可以随口承诺保价。", (), (False,),
                       "保价以活动规则为准。"),
    "sales-gift-fill1": (35, "sales", "fill", "客服应在____秒内首次回复顾客。", (),
                         ("20", "二十"), ""),
    "sales-gift-fill2": (37, "sales", "fill", "客服称呼顾客时常用的一个字是?", (),
                         ("亲", "亲亲"), "亲切又简短。"),
    "sales-gift-essay1": (40, "sales", "short", "顾客说“太贵了”,请写出你的回复。", (), (),
                          "先认同感受,再讲价值,最后给出优惠。"),
    "sales-gift-essay2": (43, "sales", "short", "请写一段催付话术。", (), (), ""),
    "sales-gift-md": (45, "sales", "single", "**议价**时第一步是?", ("肯定顾客的眼光", "直接降价"),
                      (0,), ""),
    "sales-gift-plain": (47, "sales", "single", "下单后多久发货?", ("48 小时内", "一周内"),
                         (0,), ""),
    "sales-gift-moodle": (49, "sales", "single", "发货前需要核对什么?",
                          ("地址与电话", "只核对姓名"), (0,), ""),
    "sales-gift-html": (51, "sales", "single", "<p>请<strong>核对</strong>收货地址</p>",
                        ("姓名、电话 & 地址", "只核对姓名"), (0,), "核对后再发货。"),
    "sales-gift-esc": (57, "sales", "single",
                       "满减写作 满300=减30,优惠码 #VIP#,波浪号 ~,集合 {A,B},时间 10:30,"
                       "路径 D:\\订单。\n哪项写法正确?", ("满300=减30", "满300~减30", "{无}"),
                       (0,), ""),
    "sales-gift-multiline": (59, "sales", "single",
                             "顾客留言:\n“我昨天下单的,怎么还没发货?”\n此时应该先做什么?",
                             ("查询物流并告知进度", "让顾客自己查"), (0,), ""),
    "as-gift-scenario": (69, "after_sales", "scenario", "接下来客服最合适的一句是?",
                         ("先安抚,再了解原因", "直接同意退款", "让顾客去找平台"), (0,), ""),
    "as-gift-moodle": (75, "after_sales", "single", "退货运费险一般由谁购买?",
                       ("买家或卖家", "只能由平台购买"), (0,), ""),
}


def test_the_fixture_reads_every_question_moodle_documents():
    result = everything()
    assert result.errors == []
    assert [q.key for q in result.questions] == list(EXPECTED)
    for question in result.questions:
        assert (int(question.source.rsplit(":", 1)[1]), question.category, question.qtype,
                question.stem, question.options, question.answer,
                question.explanation) == EXPECTED[question.key], question.key


def test_fixture_details_beyond_stem_and_answers():
    questions = by_key(everything())
    assert questions["sales-gift-004"].scoring == "partial"  # wrong answers carry -50%
    assert questions[generated_key("sales", UNTITLED_MULTIPLE)].scoring == "all_or_nothing"
    assert {q.stem_format for q in questions.values()} == {"plain", "markdown", "html"}
    assert questions["sales-gift-md"].stem_format == "markdown"
    assert questions["sales-gift-plain"].stem_format == "plain"
    assert questions["sales-gift-moodle"].stem_format == "plain"
    assert questions["sales-gift-html"].stem_format == "html"
    # An essay's general feedback guides the grader unless the metadata names a reference.
    assert questions["sales-gift-essay1"].reference == "先认同感受,再讲价值,最后给出优惠。"
    essay = questions["sales-gift-essay2"]
    assert (essay.reference, essay.difficulty) == ("认同感受,强调质保,推荐套餐", 3)
    assert all(q.difficulty == 2 for k, q in questions.items()
               if k not in ("sales-gift-essay2", "as-gift-scenario"))
    # Moodle's own ID number and tags comments.
    assert questions["as-gift-moodle"].tags == ("运费险", "售后")


def test_the_metadata_comment_makes_a_scenario():
    scenario = by_key(everything())["as-gift-scenario"]
    assert scenario.chat == (ChatTurn("顾客", "我要退款!"),
                             ChatTurn("客服", "亲,请问是什么原因呢?"))
    assert (scenario.difficulty, scenario.module, scenario.section, scenario.seed) == \
        (3, "aftersales", "refund", "003 售后话术")
    assert scenario.tags == ("退款", "情景")
    assert (scenario.active_from, scenario.active_until) == (date(2026, 11, 1), date(2026, 12, 31))


def test_an_html_stem_loses_scripts_and_event_handlers():
    stem = by_key(everything())["sales-gift-html"].stem
    assert "script" not in stem and "onclick" not in stem and "alert" not in stem


def test_what_the_bank_cannot_hold_is_skipped_with_its_line_and_reason():
    skipped = [(s.line, s.reason) for s in everything().skipped]
    assert [line for line, _ in skipped] == [78, 80, 82, 84, 86, 88, 90, 92]
    reasons = [reason for _, reason in skipped]
    for reason, word in zip(reasons, ["配对题", "数值题", "数值题", "说明文字", "部分得分",
                                      "70%、30%", "部分得分", "只有一个正确选项"], strict=True):
        assert word in reason


def test_crlf_a_bom_and_trailing_spaces_read_the_same():
    text = (FIXTURES / "everything.gift").read_text(encoding="utf-8")
    messy = "\ufeff" + "\r\n".join(line + "  \t" for line in text.split("\n"))
    assert everything(messy) == everything(text)


# ------------------------------------------------------------------------------ categories

def test_the_category_option_applies_until_the_file_names_one():
    text = "::a::甲{T}\n\n$CATEGORY: 商品知识\n\n::b::乙{T}\n"
    questions = parse_gift(text, "c.gift", category="sales").questions
    assert [(q.key, q.category) for q in questions] == [("a", "sales"), ("b", "product")]


def test_an_unknown_moodle_category_leaves_the_option_in_charge():
    text = "$CATEGORY: $course$/top/Default for 客服培训\n\n::a::甲{T}\n"
    assert parse_gift(text, "c.gift", category="销售知识").questions[0].category == "sales"


def test_a_question_without_a_category_is_an_error_naming_its_line():
    text = "// 没有类别\n\n::a::甲{T}\n\n$CATEGORY: Default\n\n::b::乙{F}\n"
    errors = parse_gift(text, "c.gift").errors
    assert len(errors) == 2
    assert errors[0].startswith("c.gift:3: ") and "--category" in errors[0]
    assert errors[1].startswith("c.gift:7: ") and "Default" in errors[1]


# ---------------------------------------------------------------------------------- errors

def test_malformed_questions_are_errors_with_their_lines_and_all_are_reported():
    text = "\n".join([
        "$CATEGORY: sales",
        "",
        "::ok-1::好题{=甲 ~乙}",       # 3
        "",
        "::bad-1::没有闭合{=甲 ~乙",    # 5
        "",
        "::ok-2::又一道好题{T}",        # 7
        "",
        "::bad-2::只有右括号 =甲}",      # 9
        "",
        "::bad-3::两个{=甲 ~乙}答案块{T}",  # 11
        "",
        "::bad-4::只有一个选项{~甲}",      # 13
        "",
        "::bad-5::没有正确答案{~甲 ~乙}",   # 15
        "",
        "::bad-6::空答案{=}",           # 17
        "",
        "::bad-7::难度不对{=甲 ~乙}",     # 19
        "",
    ]).replace("::bad-7::", '// @trainer {"difficulty": 4}\n::bad-7::')
    result = parse_gift(text, "bad.gift")
    assert [q.key for q in result.questions] == ["ok-1", "ok-2"]
    assert [e.split(": ", 1)[0] for e in result.errors] == [
        f"bad.gift:{line}" for line in (5, 9, 11, 13, 15, 17, 20)]
    assert "缺少 }" in result.errors[0]
    assert "难度" in result.errors[-1]  # read_question's own message


def test_an_unclosed_brace_swallows_nothing_past_the_blank_line():
    text = "$CATEGORY: sales\n\n::a::题干{=甲\n~乙\n\n::b::下一题{T}\n"
    result = parse_gift(text, "u.gift")
    assert result.errors == ["u.gift:3: 答案块缺少 }"]
    assert [q.key for q in result.questions] == ["b"]


@pytest.mark.parametrize(("comment", "word"), [
    ("// @trainer {不是 JSON", "JSON"),
    ('// @trainer {"colour": "red"}', "colour"),
    ('// @trainer {"type": "multiple"}', "不符"),
    ('// @trainer {"type": "scenario", "chat": [["顾客", "别的话"]]}', "chat"),
    ('// @trainer {"difficulty": 5}', "难度"),
])
def test_bad_metadata_is_an_error(comment, word):
    result = parse_gift(f"$CATEGORY: sales\n\n{comment}\n::a::题干{{=甲 ~乙}}\n", "m.gift")
    assert len(result.errors) == 1 and result.errors[0].startswith("m.gift:4: ")
    assert word in result.errors[0]


def test_metadata_cut_off_from_its_question_is_an_error():
    text = '$CATEGORY: sales\n\n// @trainer {"difficulty": 3}\n\n::a::题干{T}\n'
    result = parse_gift(text, "m.gift")
    assert result.errors[0].startswith("m.gift:3: ")
    assert result.questions[0].difficulty == 2


def test_a_key_used_twice_is_an_error():
    result = parse_gift("::a::甲{T}\n\n::a::乙{F}\n", "d.gift", category="sales")
    assert len(result.errors) == 1 and result.errors[0].startswith("d.gift:3: ")


# ----------------------------------------------------------------------------- round trips

def bank():
    Q = BankQuestion
    odd = "反斜杠 \\ 波浪 ~ 等号 = 井号 # 花括号 { } 冒号 : 双冒号 ::\n第二行"
    return [
        Q("rt-single", "sales", "single", 1, odd, ("选项 " + odd, "%5%折扣", "[html]不是标记"),
          (1,), "解析 " + odd),
        Q("rt-multiple", "sales", "multiple", 3, "哪些是催付话术?", ("甲", "乙", "丙", "丁"),
          (0, 1, 3), "", module="presales", section="greet", seed="004 议价语",
          tags=("议价", "话术"), active_from=date(2026, 11, 1), active_until=date(2026, 12, 31)),
        Q("rt-partial", "sales", "multiple", 2, "多选,错选倒扣", ("%5%甲", "乙", "丙"), (0, 1),
          "按比例得分", scoring="partial"),
        Q("rt-true", "product", "truefalse", 2, "判断: 正确", (), (True,), "因为 #1"),
        Q("rt-false", "product", "truefalse", 2, "判断: 错误", (), (False,)),
        Q("rt-fill-mid", "product", "fill", 2, "客服应在____秒内回复{顾客}。", (),
          ("20", "二十"), "首响时间"),
        Q("rt-fill-end", "product", "fill", 2, "首响时限是____", (), ("%100%x", "T")),
        Q("rt-fill-none", "product", "fill", 2, "首响时限是几秒?", (), ("20",)),
        Q("rt-short", "product", "short", 2, "写一段催付话术", (), (), "示例",
          reference="礼貌,真实"),
        Q("rt-scenario", "rules", "scenario", 2, "客服应该怎么回?", ("在的 = 您说", "稍等~"),
          (1,), "", chat=(ChatTurn("顾客", "在吗?\n有人吗#"), ChatTurn("客服", "在的"))),
        Q("rt-written", "rules", "scenario", 1, "**写出**你的回复", (), (), "",
          chat=(ChatTurn("顾客", "太贵了"),), reference="认同,讲价值", stem_format="markdown"),
        Q("rt-html", "rules", "scenario", 2, "<p>请<strong>选择</strong>回复</p>",
          ("<b>好的</b> & 谢谢", "不行"), (0,), "a < b", chat=(ChatTurn("顾客", "<急>&"),),
          stem_format="html"),
        Q("rt-plain-marker", "rules", "single", 2, "[html]只是文字", ("甲", "乙"), (0,)),
    ]


def test_every_type_and_field_survives_a_round_trip():
    written = write_gift(bank())
    assert written.skipped == []
    result = parse_gift(written.data.decode("utf-8"), "rt.gift")
    assert result.errors == [] and result.skipped == []
    assert result.questions == bank()


def test_the_written_file_is_moodle_gift():
    text = write_gift(bank()).data.decode("utf-8")
    blocks = text.strip().split("\n\n")
    # Moodle reads a block that starts with $CATEGORY: as nothing but the category.
    assert [b for b in blocks if b.startswith("$CATEGORY:")] == [
        "$CATEGORY: sales", "$CATEGORY: product", "$CATEGORY: rules"]
    assert "::rt-multiple::哪些是催付话术?{~%33.33333%甲 ~%33.33333%乙 ~丙 ~%33.33333%丁}" in text
    assert "::rt-partial::多选,错选倒扣{~%50%%5%甲 ~%50%乙 ~%-50%丙 ####按比例得分}" in text
    assert "::rt-false::判断\\: 错误{F}" in text
    assert "::rt-fill-mid::客服应在{=20 =二十 ####首响时间}秒内回复\\{顾客\\}。" in text
    assert '// @trainer {"reference": "礼貌,真实"}\n::rt-short::写一段催付话术{####示例}' in text
    assert f"::rt-scenario::顾客{SAYS}在吗?\\n有人吗\\#\\n客服{SAYS}在的\\n客服应该怎么回?" in text
    assert f"::rt-written::[markdown]顾客{SAYS}太贵了\\n\\n**写出**你的回复{{}}" in text


def test_a_fill_answer_moodle_would_read_as_matching_is_not_written():
    question = BankQuestion("arrow", "sales", "fill", 2, "流程是____", (), ("下单->付款",))
    written = write_gift([question])
    assert written.data == b""
    assert [key for key, _ in written.skipped] == ["arrow"]
