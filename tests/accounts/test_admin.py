import io

from tests.conftest import login
from trainer.accounts.models import Team, User
from trainer.accounts.roles import Role
from trainer.extensions import db


def admin_client(client, make_user):
    login(client, make_user(Role.ADMIN).username)
    return client


def test_admin_adds_a_user_who_must_change_the_shown_password(app, client, make_user):
    team = Team(name="售前一组")
    db.session.add(team)
    db.session.commit()
    admin_client(client, make_user)
    page = client.post("/admin/users/new", data={
        "username": "xinren", "display_name": "新人", "role": "agent",
        "team_id": str(team.id), "joined_on": "2026-11-02"})
    assert page.status_code == 200 and "临时密码只显示这一次" in page.text
    password = page.text.split("data-temp-password>")[1].split("<")[0]
    user = db.session.scalars(db.select(User).where(User.username == "xinren")).one()
    assert user.team_id == team.id and user.must_change_password
    assert password not in user.password_hash and user.check_password(password)


def test_user_form_errors_keep_the_input(client, make_user):
    admin_client(client, make_user)
    make_user(username="taken")
    page = client.post("/admin/users/new", data={
        "username": "taken", "display_name": "保留我", "role": "lead", "joined_on": "2026-11-02"})
    assert "该用户名已存在" in page.text and 'value="保留我"' in page.text
    page = client.post("/admin/users/new", data={"username": "a b", "display_name": "保留我",
                                                 "role": "agent", "joined_on": ""})
    assert "3–64 位" in page.text and "请选择入职日期" in page.text


def upload(client, text, name="roster.csv", encoding="utf-8"):
    return client.post("/admin/users/import", data={
        "roster": (io.BytesIO(text.encode(encoding)), name)}, content_type="multipart/form-data")


def test_csv_import_creates_everyone(client, make_user):
    db.session.add(Team(name="售后二组"))
    db.session.commit()
    admin_client(client, make_user)
    page = upload(client, "username,display_name,role,team,joined_on\n"
                          "wang1,王一,agent,售后二组,2026-11-01\nli2,李二,客服组长,,2026-10-01\n",
                  encoding="gb18030")
    assert "已创建 2 个账号" in page.text
    assert page.text.count("data-temp-password") == 2
    li2 = db.session.scalars(db.select(User).where(User.username == "li2")).one()
    assert li2.role == "lead" and li2.must_change_password


def test_a_bad_csv_is_refused_whole_with_file_and_line(client, make_user):
    admin_client(client, make_user)
    before = db.session.scalar(db.select(db.func.count(User.id)))
    page = upload(client, "username,display_name,role,team,joined_on\n"
                          "good1,好,agent,,2026-11-01\nbad 2,坏,agent,,2026-11-01\n")
    assert "文件未导入" in page.text and "roster.csv 第 3 行" in page.text
    assert db.session.scalar(db.select(db.func.count(User.id))) == before


def test_only_csv_files_are_accepted(client, make_user):
    admin_client(client, make_user)
    page = upload(client, "whatever", name="roster.xlsx")
    assert "只接受 .csv 文件" in page.text


def test_reset_password_shows_a_new_temporary_password_once(client, make_user):
    agent = make_user()
    admin_client(client, make_user)
    page = client.post(f"/admin/users/{agent.id}/reset-password")
    password = page.text.split("data-temp-password>")[1].split("<")[0]
    db.session.refresh(agent)
    assert agent.check_password(password) and agent.must_change_password


def test_deactivated_users_keep_their_history(client, make_user):
    agent = make_user()
    admin_client(client, make_user)
    client.post(f"/admin/users/{agent.id}/active")
    db.session.refresh(agent)
    assert not agent.is_active_account
    assert "已停用" in client.get("/admin/users").text
    client.post(f"/admin/users/{agent.id}/active")
    db.session.refresh(agent)
    assert agent.is_active_account


def test_teams_are_created_once(client, make_user):
    admin_client(client, make_user)
    assert client.post("/admin/teams", data={"name": "售前一组"}).status_code == 302
    assert "该团队已存在" in client.post("/admin/teams", data={"name": "售前一组"}).text


def test_leads_and_managers_cannot_manage_users(client, make_user):
    for role in (Role.LEAD, Role.MANAGER, Role.AGENT):
        login(client, make_user(role).username)
        assert client.get("/admin/users").status_code == 403
        assert client.post("/admin/users/new", data={}).status_code == 403
        client.post("/logout")
