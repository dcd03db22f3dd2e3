from trainer.questions.forms import chat_lines, split_list, truth


def test_the_editor_reads_chat_lines_tags_and_truth():
    assert chat_lines("顾客:在吗?\n\n客服：在的~\n没有说话人") == [
        {"顾客": "在吗?"}, {"客服": "在的~"}, "没有说话人"]
    assert split_list("议价、话术, 活动；") == ["议价", "话术", "活动"]
    assert (truth("正确"), truth("错"), truth("√"), truth("也许")) == (True, False, True, "也许")
