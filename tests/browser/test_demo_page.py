"""The demo in a real headless Chromium (Debian's package, never a downloaded browser):
a newcomer joins through an invite link, two people check in from the group chat in two
tabs, the clock brings the reminder, and a leader logs a visit with their location.
Asserts on what the page shows — reply keyboards arriving by themselves, emoji drawn in
colour — and leaves screenshots in tests/artifacts/.

Without Chromium on the PATH the tests skip and say why; where ``ZHIBU_REQUIRE_BROWSER=1``
(``.ci/run`` sets it) a missing Chromium fails them instead.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

from sandbox.demo import Demo, start_demo
from zhibu import app

CHROMIUM = shutil.which("chromium")
REQUIRED = os.environ.get("ZHIBU_REQUIRE_BROWSER") == "1"
MISSING = (
    "Debian's chromium is not on the PATH "
    "(apt-get install -y chromium fonts-wqy-zenhei fonts-noto-color-emoji)"
)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
# Emoji the bot shows; each must come out in colour, not as an empty box.
EMOJI = ("📢", "✅", "📍", "📱", "⏩", "🎤")


@pytest.fixture
def chromium() -> str:
    if CHROMIUM is None:
        if REQUIRED:
            pytest.fail(f"{MISSING}; ZHIBU_REQUIRE_BROWSER=1 requires it")
        pytest.skip(MISSING)
    return CHROMIUM


@pytest.fixture
async def demo(chromium: str) -> AsyncIterator[Demo]:
    running = await start_demo(
        app, port=0, start=datetime.fromisoformat("2026-11-24T10:00:00+08:00")
    )
    yield running
    await running.stop()


@pytest.fixture
async def browser(chromium: str, demo: Demo) -> AsyncIterator[Browser]:
    """Closed before the demo stops: the pages' event streams end with it."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield launched
        await launched.close()


async def as_person(browser: Browser, demo: Demo, key: str) -> Page:
    """The page open as this person, live (its event stream open). From then on the page
    may not ask for the reply keyboard again: whatever the bot shows must arrive with
    its message, as in Telegram, not after a reload."""
    page = await browser.new_page(viewport={"width": 420, "height": 800})
    await page.goto(f"{demo.url}?as={key}")
    await expect(page.locator("#persona")).to_have_value(key)
    await expect(page.locator("body")).to_have_attribute("data-live", "yes")
    await page.route("**/demo/keyboard*", lambda route: route.abort())
    return page


async def say(page: Page, text: str) -> None:
    await page.fill("#text", text)
    await page.press("#text", "Enter")


async def press(page: Page, label: str) -> None:
    await page.locator(".buttons button", has_text=label).last.click()


def keyboard(page: Page, label: str | None = None) -> Locator:
    buttons = page.locator("#keyboard button")
    return buttons if label is None else buttons.filter(has_text=label)


async def colour_pixels(page: Page) -> dict[str, int]:
    """How many coloured pixels each emoji leaves when drawn in black in the page's font:
    a colour emoji font gives hundreds; a missing glyph (an empty box, or nothing) none."""
    counts: list[int] = await page.evaluate(
        """(chars) => {
        const font = getComputedStyle(document.body).fontFamily;
        const canvas = document.createElement("canvas"); canvas.width = canvas.height = 48;
        const ctx = canvas.getContext("2d");
        return chars.map((ch) => {
          ctx.clearRect(0, 0, 48, 48); ctx.fillStyle = "#000";
          ctx.font = `32px ${font}`; ctx.textBaseline = "top"; ctx.fillText(ch, 4, 4);
          const data = ctx.getImageData(0, 0, 48, 48).data;
          let coloured = 0;
          for (let i = 0; i < data.length; i += 4) {
            const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
            if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 40) coloured++;
          }
          return coloured;
        });
    }""",
        list(EMOJI),
    )
    return dict(zip(EMOJI, counts, strict=True))


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
    await expect(keyboard(visitor)).to_have_count(0)
    await press(visitor, "正式党员")
    # The share-my-number keyboard comes with the question, without a reload.
    await expect(keyboard(visitor, "📱 分享我的手机号")).to_be_visible()
    await keyboard(visitor, "📱 分享我的手机号").click()
    await expect(visitor.locator(".msg", has_text=re.compile(r"📱 \+?\d+"))).to_be_visible()
    await expect(keyboard(visitor)).to_have_count(0)
    await press(visitor, "否")
    await press(visitor, "✅ 提交")
    await expect(visitor.locator(".msg").last).to_contain_text("申请已发给支部书记")
    await press(secretary, "✅ 批准")
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
    ARTIFACTS.mkdir(exist_ok=True)
    await member.screenshot(path=str(ARTIFACTS / "demo.png"), full_page=True)


async def test_a_visit_with_the_location_keyboard_and_emoji_in_colour(
    demo: Demo, browser: Browser
) -> None:
    leader = await as_person(browser, demo, "leader")
    await say(leader, "/visit")
    await press(leader, "昨天")  # two days from yesterday: over today
    await press(leader, "2")
    await press(leader, "调查研究")
    await say(leader, "走访了五户困难群众。")
    await press(leader, "没有")
    # The share-my-location keyboard comes with the question, without a reload.
    await expect(keyboard(leader, "📍 共享我的位置")).to_be_visible()
    await keyboard(leader, "📍 共享我的位置").click()
    await expect(leader.locator(".msg", has_text="已共享位置。")).to_be_visible()
    await expect(keyboard(leader)).to_have_count(0)
    await press(leader, "✅ 保存")
    await expect(leader.locator(".msg").last).to_have_text("已保存。本月截至目前：2 / 3 天。")

    ARTIFACTS.mkdir(exist_ok=True)
    await leader.screenshot(path=str(ARTIFACTS / "demo-visit.png"), full_page=True)
    drawn = await colour_pixels(leader)
    assert all(count > 50 for count in drawn.values()), (
        f"emoji without a colour glyph (install fonts-noto-color-emoji): {drawn}"
    )
