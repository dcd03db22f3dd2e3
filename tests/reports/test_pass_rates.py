"""The dashboard's pass rates, tiles and score bands, read from the summary tables."""

import csv
import io
import re
from datetime import timedelta

import pytest

from tests.conftest import login
from tests.exams.papers import question
from tests.exams.test_exam_flow import make_exam
from trainer.accounts.models import Team, utcnow
from trainer.accounts.roles import Role
from trainer.exams.models import Attempt, Paper
from trainer.extensions import db
from trainer.reports import tally
from trainer.reports.passrates import ItemRate, extremes, from_sums, headline, weakest

pytestmark = pytest.mark.usefixtures("small_content")


def sit(exam, agent, score, sitting=1) -> Attempt:
    """A graded attempt with exactly `score`, summarized as grading summarizes it: scores at
    the band edges (59.9) that no paper of a few questions can reach."""
    version = question("a-001").current_version
    paper = Paper(exam_id=exam.id, user_id=agent.id, seed=1, sitting=sitting,
                  items=[{"version_id": version.id, "option_order": [0, 1, 2, 3]}])
    now = utcnow()
    attempt = Attempt(paper=paper, started_at=now, ends_at=now, submitted_at=now, correct=0,
                      score=score)
    db.session.add_all([paper, attempt])
    db.session.flush()
    tally.record(attempt)
    db.session.commit()
    return attempt


def exported(client, name, url="/reports/pass-rates", **args) -> list[list[str]]:
    """The rows (header first) of one of the page's tables as its CSV export has them."""
    response = client.get(url, query_string={"export": name, "format": "csv", **args})
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def tile(page: str, key: str) -> str:
    """One headline tile's markup."""
    start = page.index(f'data-tile="{key}"')
    return page[start:page.index("data-change", start) + 200]


def tile_value(page: str, key: str) -> str:
    return re.search(r"<span data-value>([^<]*)</span>", tile(page, key)).group(1)


@pytest.fixture
def organization(make_user):
    """October: five agents, all 90. November: 售前一组 100, 60, 59.9; 售后二组 30, 80."""
    east, west = Team(name="售前一组"), Team(name="售后二组")
    db.session.add_all([east, west])
    db.session.commit()
    october = make_exam("2026-10", opens=utcnow() - timedelta(days=40),
                        closes=utcnow() - timedelta(days=30))
    november = make_exam("2026-11")
    for team, scores in ((east, (100, 60, 59.9)), (west, (30, 80))):
        for score in scores:
            agent = make_user(Role.AGENT, team=team)
            sit(november, agent, score)
            sit(october, agent, 90)
    return east, west


def test_manager_sees_every_month_and_team(client, make_user, organization):
    login(client, make_user(Role.MANAGER).username)
    assert exported(client, "months") == [
        ["月份", "参考人数", "通过人数", "通过率", "平均分"],
        ["2026-11", "5", "3", "60.0%", "66"],  # 100, 60, 80 pass; 59.9 and 30 do not
        ["2026-10", "5", "5", "100.0%", "90"],
    ]
    assert exported(client, "teams")[1:] == [["售前一组", "3", "2", "66.7%", "73.3"],
                                             ["售后二组", "2", "1", "50.0%", "55"]]
    assert exported(client, "teams", month="2026-10")[1:] == [
        ["售前一组", "3", "3", "100.0%", "90"], ["售后二组", "2", "2", "100.0%", "90"]]
    page = client.get("/reports/pass-rates").text
    assert "售前一组" in page and "售后二组" in page


def test_the_tiles_compare_with_the_month_before(client, make_user, organization):
    login(client, make_user(Role.MANAGER).username)
    page = client.get("/reports/pass-rates").text
    assert 'value="2026-11" selected' in page  # the latest month with results by default
    assert tile_value(page, "sat") == "5" and "与上月持平" in tile(page, "sat")
    assert tile_value(page, "rate") == "60.0" and "较上月 -40 个百分点" in tile(page, "rate")
    # The month's pass rate reads "60.0%" where a browser test looks for it.
    assert re.search(r'data-rate="2026-11"><span data-value>60.0</span><small[^>]*>%</small>',
                     page)
    assert tile_value(page, "mean") == "66.0" and "较上月 -24 分" in tile(page, "mean")
    october = client.get("/reports/pass-rates?month=2026-10").text
    assert tile_value(october, "rate") == "100.0" and "上月无可比数据" in tile(october, "rate")


def test_scores_fall_in_ten_point_bands_with_100_on_its_own(client, make_user, organization):
    login(client, make_user(Role.MANAGER).username)
    bands = dict(exported(client, "bands")[1:])
    assert bands == {"0–9.9": "0", "10–19.9": "0", "20–29.9": "0", "30–39.9": "1",
                     "40–49.9": "0", "50–59.9": "1", "60–69.9": "1", "70–79.9": "0",
                     "80–89.9": "1", "90–99.9": "0", "100": "1"}
    assert dict(exported(client, "bands", month="2026-10")[1:])["90–99.9"] == "5"


def test_an_agent_counts_once_by_their_best_attempt(client, make_user):
    exam = make_exam("2026-11", attempts_allowed=3)
    first, second = make_user(Role.AGENT), make_user(Role.AGENT)
    sit(exam, first, 40)
    sit(exam, first, 70, sitting=2)
    sit(exam, second, 80)
    sit(exam, second, 50, sitting=2)
    login(client, make_user(Role.MANAGER).username)
    assert exported(client, "months")[1:] == [["2026-11", "2", "2", "100.0%", "75"]]
    bands = dict(exported(client, "bands")[1:])
    assert (bands["40–49.9"], bands["50–59.9"], bands["70–79.9"], bands["80–89.9"]) == (
        "0", "0", "1", "1")
    assert exported(client, "teams")[1:] == [["(未分组)", "2", "2", "100.0%", "75"]]


def test_lead_sees_only_their_team(client, make_user, organization):
    east, _west = organization
    login(client, make_user(Role.LEAD, team=east).username)
    page = client.get("/reports/pass-rates").text
    assert tile_value(page, "rate") == "66.7"
    assert "售后二组" not in page
    assert exported(client, "months")[1:] == [["2026-11", "3", "2", "66.7%", "73.3"],
                                              ["2026-10", "3", "3", "100.0%", "90"]]
    assert exported(client, "teams")[1:] == [["售前一组", "3", "2", "66.7%", "73.3"]]
    assert sum(int(n) for _band, n in exported(client, "bands")[1:]) == 3


def test_a_lead_without_a_team_sees_no_figures(client, make_user, organization):
    login(client, make_user(Role.LEAD).username)
    assert "还没有已评分的月度考试" in client.get("/reports/pass-rates").text


def test_agents_may_not_see_the_dashboard(client, make_user, organization):
    login(client, make_user(Role.AGENT).username)
    assert client.get("/reports/pass-rates").status_code == 403
    assert client.get("/reports/pass-rates?export=teams&format=csv").status_code == 403


def test_empty_state_explains_itself(client, make_user):
    login(client, make_user(Role.MANAGER).username)
    page = client.get("/reports/pass-rates").text
    assert "还没有已评分的月度考试" in page
    assert client.get("/reports/pass-rates?export=months&format=csv").status_code == 404


def test_ungraded_attempts_do_not_count(client, make_user):
    exam = make_exam("2026-11")
    version = question("a-001").current_version
    paper = Paper(exam_id=exam.id, user_id=make_user(Role.AGENT).id, seed=1,
                  items=[{"version_id": version.id, "option_order": [0, 1, 2, 3]}])
    db.session.add_all([paper, Attempt(paper=paper, started_at=utcnow(), ends_at=utcnow())])
    db.session.commit()
    login(client, make_user(Role.MANAGER).username)
    assert "还没有已评分的月度考试" in client.get("/reports/pass-rates").text


def test_a_month_without_results_shows_its_empty_sections(client, make_user, organization):
    login(client, make_user(Role.MANAGER).username)
    page = client.get("/reports/pass-rates?month=2026-05").text
    assert "2026-05 没有已评分的月度考试成绩" in page
    assert client.get("/reports/pass-rates?month=garbage").status_code == 200


def test_the_weakest_need_enough_answers_and_come_weakest_first():
    rows = [ItemRate("a", "甲", 10, 5, 5.0), ItemRate("b", "乙", 9, 0, 0.0),
            ItemRate("c", "丙", 20, 6, 6.5), ItemRate("d", "丁", 10, 10, 10.0)]
    assert [r.key for r in weakest(rows, limit=2, min_answers=10)] == ["c", "a"]
    assert ItemRate("e", "戊", 0, 0, 0.0).rate is None


def test_the_ends_of_many_teams():
    rows = [from_sums(f"{n}组", 10, n, 60.0 * 10, n) for n in range(8)]
    lowest, highest = extremes(rows, 3)
    assert [r.key for r in lowest] == [0, 1, 2] and [r.key for r in highest] == [7, 6, 5]


def test_no_change_is_shown_against_a_month_nobody_sat():
    october, november = from_sums("2026-10", 4, 2, 280.0), from_sums("2026-11", 5, 4, 400.0)
    tiles = headline([october, november], "2026-11", "2026-10")
    assert (tiles.sat_change, tiles.rate_change, tiles.mean_change) == (1, 30.0, 10.0)
    first = headline([november], "2026-11", "2026-10")
    assert (first.sat_change, first.rate_change, first.mean_change) == (None, None, None)
    assert headline([october], "2026-11", "2026-10") is None
