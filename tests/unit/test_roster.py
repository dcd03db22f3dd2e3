from datetime import date

from trainer.accounts.roles import Role
from trainer.accounts.roster import decode, parse

HEADER = "username,display_name,role,team,joined_on\n"
TEAMS = {"售前一组"}


def test_good_file_gives_rows():
    rows, errors = parse(HEADER + "zhang3,张三,agent,售前一组,2026-11-01\n"
                         "li4,李四,客服组长,,2026-10-01\n", set(), TEAMS)
    assert errors == []
    assert [(r.username, r.role, r.team, r.joined_on) for r in rows] == [
        ("zhang3", Role.AGENT, "售前一组", date(2026, 11, 1)),
        ("li4", Role.LEAD, "", date(2026, 10, 1)),
    ]


def test_every_bad_line_is_reported_with_its_line_number():
    text = HEADER + ("ok1,好,agent,售前一组,2026-11-01\n"
                     "x,短,agent,售前一组,2026-11-01\n"
                     "ok2,,boss,不存在,2026-13-01\n"
                     "ok1,重复,agent,售前一组,2026-11-01\n")
    _, errors = parse(text, set(), TEAMS)
    messages = [str(e) for e in errors]
    assert any(m.startswith("第 3 行") and "用户名" in m for m in messages)
    assert {e.line for e in errors} == {3, 4, 5}
    assert any("角色" in m for m in messages) and any("团队" in m for m in messages)
    assert any("入职日期" in m for m in messages) and any("已存在" in m for m in messages)


def test_existing_usernames_are_refused_case_insensitively():
    _, errors = parse(HEADER + "Zhang3,张三,agent,,2026-11-01\n", {"zhang3"}, TEAMS)
    assert "已存在" in str(errors[0])


def test_missing_columns_are_named():
    _, errors = parse("username,display_name\nzhang3,张三\n", set(), TEAMS)
    assert errors[0].line == 1 and "role" in errors[0].message


def test_empty_file_is_an_error():
    assert parse(HEADER, set(), TEAMS)[1]


def test_gbk_and_bom_files_decode():
    assert decode("用户".encode("gb18030")) == "用户"
    assert decode("\ufeffusername".encode()) == "username"
