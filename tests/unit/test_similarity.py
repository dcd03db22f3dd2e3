import pytest

from trainer.questions.similarity import near_duplicates, normalize_answer, similarity


@pytest.mark.parametrize("typed", ["160/80A", "１６０／８０Ａ", " 160 / 80a ", "160/80ａ"])
def test_normalization_ignores_width_spaces_and_case(typed):
    assert normalize_answer(typed) == normalize_answer("160/80A")


@pytest.mark.parametrize("typed", ["160/84A", "16080"])
def test_normalization_keeps_what_the_text_says(typed):
    assert normalize_answer(typed) != normalize_answer("160/80A")


def test_ideographic_punctuation_matches_ascii():
    assert normalize_answer("您好、请“稍等”。") == normalize_answer('您好,请"稍等".')


def test_similarity_bounds():
    assert similarity("发货后多久可以申请退货", "发货后多久可以申请退货") == 1.0
    assert similarity("发货后多久可以申请退货", "胸围八十四适合什么号型") == 0.0


def test_near_duplicates_flags_rewordings_not_neighbours():
    texts = {
        "a": "顾客签收后,七天无理由退货从什么时候开始计算?",
        "b": "顾客签收后,七天无理由退货从何时开始计算?",
        "c": "顾客签收后,延迟发货的赔付从什么时候开始计算?",
    }
    pairs = near_duplicates(texts, threshold=0.66)
    assert [(a, b) for a, b, _ in pairs] == [("a", "b")]
    assert 0.66 <= pairs[0][2] < 1.0


def test_different_figures_are_different_questions():
    texts = {"upper": "当月加减分合计为+26分,日常考核得分是多少? 100分",
             "lower": "当月加减分合计为-25分,日常考核得分是多少? 60分"}
    assert near_duplicates(texts, threshold=0.3) == []
