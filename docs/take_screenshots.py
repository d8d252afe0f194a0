"""Take the README screenshots from a running Linli with demo data.

    python docs/take_screenshots.py http://127.0.0.1:8000
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).parent / "screenshots"
PASSWORD = "Linli@2026demo"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN"}
DESKTOP = {"viewport": {"width": 1366, "height": 860}, "locale": "zh-CN"}


def log_in(page, mobile):
    page.goto(f"{BASE}/accounts/login/")
    page.get_by_label("手机号").fill(mobile)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").last.click()
    page.wait_for_load_state()


def main():
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        phone = browser.new_context(**PHONE).new_page()
        phone.goto(f"{BASE}/accounts/login/")
        phone.screenshot(path=str(OUT / "login-phone.png"))
        log_in(phone, "13900000011")
        phone.goto(f"{BASE}/workbench/")
        phone.screenshot(path=str(OUT / "workbench-phone.png"), full_page=True)
        elder = browser.new_context(**PHONE).new_page()
        log_in(elder, "13900000015")
        elder.get_by_role("button", name="长辈版").click()
        elder.wait_for_load_state()
        elder.screenshot(path=str(OUT / "home-elder-phone.png"))
        desk = browser.new_context(**DESKTOP).new_page()
        log_in(desk, "13900000001")
        desk.goto(f"{BASE}/workbench/")
        desk.screenshot(path=str(OUT / "workbench-desktop.png"))
        desk.goto(f"{BASE}/audit/")
        desk.screenshot(path=str(OUT / "audit-desktop.png"))
        browser.close()


if __name__ == "__main__":
    main()
