"""A manager keeps the question bank in the browser: filters it, previews a question as an
agent sees it, edits it into a new version, retires it, imports a spreadsheet after a
preview, and downloads the template."""

import re
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from tests.e2e.http import Session
from tests.e2e.pages import first_password_change, log_in

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def create_manager(base: str) -> str:
    admin = Session(base)
    admin.log_in("admin", "Adm1nPass")
    status, page = admin.post_form("/admin/users/new", {
        "username": "zhuguan", "display_name": "王主管", "role": "manager",
        "joined_on": "2026-01-05"})
    assert status == 200, page
    return re.search(r"data-temp-password>([^<]+)<", page).group(1)


def spreadsheet(path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "题目"
    sheet.append(["题目编号", "类别", "题型", "难度", "题干", "选项A", "选项B", "选项C", "答案",
                  "解析", "情景对话", "课程", "小节", "标签"])
    sheet.append(["xlsx-001", "销售知识", "单选题", "易", "顾客说“太贵了”,客服首先应该?",
                  "马上降价", "肯定顾客眼光,讲清商品价值", "不再回复", "B",
                  "先认同,再讲价值。", None, "presales", "bargain", "议价"])
    sheet.append(["xlsx-002", "售后处理", "填空题", "中", "七天无理由退货从签收次日____起算。",
                  None, None, None, "零时|0时|0点", "签收次日零时起算,满168小时。", None,
                  "platform-rules", "return-window", "七天无理由"])
    sheet.append(["xlsx-003", "服务礼仪", "情景题", "难", "客服接下来最恰当的回复是?",
                  "亲,在的~请问有什么可以帮您?", "在", "有事说", "A", "及时、热情地回应。",
                  "顾客:在吗?\n顾客:有人吗?", "etiquette", "greeting-closing", "招呼"])
    book.save(path)


def test_a_manager_keeps_the_bank(live_server, browser, shoot, tmp_path):
    base, engine, backend = live_server.base, live_server.engine, live_server.backend
    live_server.flask("create-admin", "admin", "--password", "Adm1nPass")
    temporary = create_manager(base)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, base, "zhuguan", temporary)
    first_password_change(page, temporary, "Zhuguan2026")

    page.click("nav >> text=题库")
    page.wait_for_url("**/manage/questions")
    total = int(re.search(r"\d+", page.inner_text("[data-total]")).group())
    assert total >= 400
    page.select_option("#f-category", "promotions")
    page.select_option("#f-type", "fill")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**category=promotions**")
    keys = page.eval_on_selector_all("[data-question]", "rows => rows.map(r => r.dataset.question)")
    assert keys and all(k.startswith("promotions-") for k in keys)
    assert page.inner_text("tbody").count("填空题") == len(keys)
    shoot(page, f"{backend}-bank-filtered")

    page.goto(f"{base}/manage/questions?type=scenario")
    page.click("[data-question] a >> nth=0")
    page.wait_for_selector("[data-preview] .chat")
    key = page.url.rsplit("/", 1)[1]
    assert page.is_visible("[data-preview] input[type=radio], [data-preview] textarea")
    shoot(page, f"{backend}-bank-preview")

    page.click("text=编辑")
    stem = page.input_value("#stem")
    page.fill("#answer", "Z")
    page.fill("#stem", stem + "(修订)")
    page.click("main button[type=submit]:has-text('保存')")
    assert page.is_visible(".alert-danger")
    assert page.input_value("#stem") == stem + "(修订)"  # kept through the error
    shoot(page, f"{backend}-bank-edit-error")
    page.fill("#answer", "A" if page.input_value("#options") else "")
    page.fill("#note", "浏览器测试修订")
    page.click("main button[type=submit]:has-text('保存')")
    page.wait_for_url(f"**/manage/questions/{key}")
    assert "已保存为第 2 版" in page.inner_text(".alert-success")
    assert "浏览器测试修订" in page.inner_text("main")
    page.click("button:has-text('停用')")
    page.wait_for_selector("button:has-text('恢复使用')")
    with engine.connect() as conn:
        retired, number = conn.execute(text(
            "SELECT q.retired, v.number FROM questions q JOIN question_versions v "
            "ON v.id = q.current_version_id WHERE q.key = :key"), {"key": key}).one()
    assert retired and number == 2

    page.goto(f"{base}/manage/questions/import")
    with page.expect_download() as download:
        page.click("text=下载 Excel 模板")
    # Playwright stores the download without its extension, which openpyxl insists on.
    template = load_workbook(BytesIO(download.value.path().read_bytes()))
    assert template["题目"]["E1"].value == "题干"
    upload = tmp_path / "新题.xlsx"
    spreadsheet(upload)
    page.set_input_files("#file", str(upload))
    page.click("main button[type=submit]:has-text('上传并预览')")
    page.wait_for_selector("[data-import-count]")
    assert page.inner_text("[data-import-count]") == "3"
    assert "顾客说“太贵了”" in page.inner_text("main")
    shoot(page, f"{backend}-bank-import-preview")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM questions WHERE key LIKE 'xlsx-%'")
                            ).scalar_one() == 0
    page.click("text=确认导入")
    page.wait_for_url("**/manage/questions")
    assert "已导入 3 道题" in page.inner_text(".alert-success")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM questions WHERE key LIKE 'xlsx-%'")
                            ).scalar_one() == 3
    context.close()

    phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    log_in(page, base, "zhuguan", "Zhuguan2026")
    page.goto(f"{base}/manage/questions/xlsx-003")
    assert page.is_visible("[data-preview] .chat")
    shoot(page, f"{backend}-bank-preview-phone")
    phone.close()
