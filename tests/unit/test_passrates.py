from trainer.reports.passrates import from_sums


def test_rate_and_mean_come_from_the_sums():
    row = from_sums("2026-10", sat=3, passed=2, score_sum=200.0)
    assert (row.sat, row.passed, row.rate, row.mean_score) == (3, 2, 66.7, 66.7)


def test_nobody_sat_is_no_rate_not_zero():
    row = from_sums("2026-10", sat=0, passed=0, score_sum=0.0)
    assert row.rate is None and row.mean_score is None
