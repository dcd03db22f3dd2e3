"""Steps every browser test takes: signing in, and the forced password change at first login."""


def log_in(page, base, username, password):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main button[type=submit]")


def first_password_change(page, temporary, new):
    page.wait_for_url("**/password**")
    page.fill("#current", temporary)
    page.fill("#new", new)
    page.fill("#confirm", new)
    page.click("main button[type=submit]")
