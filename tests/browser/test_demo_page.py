"""The demo in a real headless Chromium (Debian's package, never a downloaded browser):
a newcomer joins through an invite link, two people check in from the group chat in two
tabs, and the clock brings the reminder. Asserts on what the page shows; leaves a
screenshot in tests/artifacts/."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from bot.sandbox.demo import Demo, start_demo

CHROMIUM = Path("/usr/bin/chromium")
HAVE_CHROMIUM = CHROMIUM.exists()
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ARTIFACTS.mkdir(exist_ok=True)


@pytest.fixture
async def demo() -> AsyncIterator[Demo]:
    running = await start_demo(port=0, start=datetime.fromisoformat("2026-11-24T10:00:00+08:00"))
    yield running
    await running.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    assert HAVE_CHROMIUM, "install Debian's chromium (.ci/run does)"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                    args=["--no-sandbox"])
        yield launched
        await launched.close()


async def as_person(browser: Browser, demo: Demo, key: str) -> Page:
    page = await browser.new_page(viewport={"width": 420, "height": 800})
    await page.goto(f"{demo.url}?as={key}")
    await expect(page.locator("#persona")).to_have_value(key)
    return page


async def say(page: Page, text: str) -> None:
    await page.fill("#text", text)
    await page.press("#text", "Enter")


async def press(page: Page, label: str) -> None:
    await page.locator(".buttons button", has_text=label).last.click()


async def test_join_check_in_and_a_reminder(demo: Demo, browser: Browser) -> None:
    secretary = await as_person(browser, demo, "secretary")
    await say(secretary, "/invite")
    link = secretary.locator(".msg", has_text="https://t.me/zhibu_demo_bot?start=").last
    await expect(link).to_be_visible()
    url = re.search(r"https://t\.me/\S+", await link.inner_text())
    assert url is not None

    visitor = await as_person(browser, demo, "visitor")
    await say(visitor, url.group(0))
    await expect(visitor.locator(".msg").last).to_have_text("请问您的姓名？")
    await say(visitor, "赵敏")
    await say(visitor, "1990")
    await press(visitor, "正式党员")
    await visitor.locator("#keyboard button", has_text="跳过").click()
    await press(visitor, "否")
    await press(visitor, "✅ 提交")
    await expect(visitor.locator(".msg").last).to_contain_text("申请已发给支部书记")
    await secretary.reload()
    await press(secretary, "✅ 批准")
    await visitor.reload()
    await expect(visitor.locator(".msg").last).to_contain_text("欢迎加入")

    # The secretary schedules tonight's party lesson.
    await say(secretary, "/meeting")
    await press(secretary, "党课")
    await press(secretary, "今天")
    await press(secretary, "19:30")
    await say(secretary, "村委会")
    await say(secretary, "学习党章")
    await press(secretary, "跳过")
    await press(secretary, "否")
    await press(secretary, "✅ 安排")
    await expect(secretary.locator(".msg").last).to_contain_text("已安排")

    member = await as_person(browser, demo, "member")
    for minutes in ("360", "60", "60", "60"):  # 10:00 → 19:00
        await member.select_option("#advance", minutes)
        await expect(member.locator("#advance")).to_have_value("")
    await expect(member.locator("#now")).to_have_text(re.compile("19:00"))
    await expect(member.locator(".msg", has_text="即将开始").last).to_be_visible()

    # Two people, two tabs, the group chat: both check in.
    for page in (member, secretary):
        await page.select_option("#where", "group")
        await press(page, "✅ 签到")
        await expect(page.locator("#toast")).to_have_text("✅ 签到成功，欢迎！")
    await member.screenshot(path=str(ARTIFACTS / "demo.png"), full_page=True)
