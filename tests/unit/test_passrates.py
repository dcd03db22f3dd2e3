from trainer.reports.passrates import summarize


def test_pass_mark_itself_passes():
    row = summarize("2026-10", [60, 59.9, 100, 30], 60)
    assert (row.sat, row.passed, row.rate, row.mean_score) == (4, 2, 50.0, 62.5)


def test_nobody_sat_is_no_rate_not_zero():
    row = summarize("2026-10", [], 60)
    assert row.rate is None and row.mean_score is None
