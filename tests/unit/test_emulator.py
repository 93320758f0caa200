"""The emulator refuses what Telegram refuses: proven with a real PTB Bot over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
)
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from sandbox.emulator import Emulator, FloodLimits, SimUser


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator()
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    client = Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url)
    async with client:
        yield client


def started(emu: Emulator, name: str = "王芳") -> SimUser:
    user = emu.add_user(name)
    emu.send_text(user, "/start")
    return user


async def test_html_becomes_text_and_entities(emu: Emulator, bot: Bot) -> None:
    user = started(emu)
    sent = await bot.send_message(
        user.id, "你好 <b>&lt;王&gt;</b> &amp; <i>x</i>", parse_mode="HTML"
    )
    assert sent.text == "你好 <王> & x"
    assert sent.text_html == "你好 <b>&lt;王&gt;</b> &amp; <i>x</i>"
    assert emu.texts(user) == ["你好 <王> & x"]


@pytest.mark.parametrize(
    "text",
    ["<b>不闭合", "<script>x</script>", "a & b", "<b><i>x</b></i>", "<a>无链接</a>", "1 < 2"],
)
async def test_bad_html_is_refused(emu: Emulator, bot: Bot, text: str) -> None:
    user = started(emu)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(user.id, text, parse_mode="HTML")
    assert emu.refusals and emu.messages(user) == []


async def test_lengths_are_enforced(emu: Emulator, bot: Bot) -> None:
    user = started(emu)
    await bot.send_message(user.id, "字" * 4096)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(user.id, "字" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(user.id, "<b></b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_document(user.id, b"x", filename="a.txt", caption="c" * 1025)
    # Counted as Telegram counts: UTF-16 units of the text after the HTML is parsed.
    await bot.send_message(user.id, "<b>" + "&amp;" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(user.id, "😀" * 2048)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(user.id, "😀" * 2048 + "字")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_document(user.id, b"x", filename="a.txt", caption="𠀀" * 513)


async def test_button_data_and_keyboard_shape(emu: Emulator, bot: Bot) -> None:
    user = started(emu)
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(
            user.id,
            "x",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("a", callback_data="张" * 22)]]
            ),
        )
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(
            user.id,
            "x",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton(str(i), callback_data=str(i)) for i in range(9)]]
            ),
        )


async def test_private_chats_need_start_and_respect_blocking(emu: Emulator, bot: Bot) -> None:
    stranger = emu.add_user("陌生人")
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.send_message(stranger.id, "hi")
    user = started(emu)
    emu.block(user)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(user.id, "hi")
    updates = await bot.get_updates(timeout=0)
    change = updates[-1].my_chat_member
    assert change is not None and change.new_chat_member.status == "kicked"
    emu.unblock(user)
    await bot.send_message(user.id, "welcome back")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999, "hi")
    assert not emu.refusals[:-1]  # 403s are not the bot's mistake; chat not found is


async def test_editing_rules(emu: Emulator, bot: Bot) -> None:
    user = started(emu)
    sent = await bot.send_message(user.id, "一")
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("一", chat_id=user.id, message_id=sent.message_id)
    await bot.edit_message_text("二", chat_id=user.id, message_id=sent.message_id)
    assert emu.texts(user) == ["二"] and emu.last(user).edited
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("三", chat_id=user.id, message_id=999)


async def test_callback_queries_are_answered_once(emu: Emulator, bot: Bot) -> None:
    user = started(emu)
    await bot.send_message(
        user.id,
        "选",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("好", callback_data="ok")]]),
    )
    query_id = emu.press(user, emu.last(user), "好")
    updates = await bot.get_updates(timeout=0)
    assert updates[-1].callback_query is not None and updates[-1].callback_query.data == "ok"
    await bot.answer_callback_query(query_id, text="收到")
    assert [a.text for a in emu.callback_answers(user)] == ["收到"]
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(LookupError):
        emu.press(user, emu.last(user), "不存在")


async def test_injected_429_and_flood_limits(emu: Emulator, bot: Bot) -> None:
    user = started(emu)
    emu.inject("sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(user.id, "x")
    assert caught.value.retry_after == dt.timedelta(seconds=7)
    await bot.send_message(user.id, "now it works")
    emu.flood_limits = FloodLimits(per_second=30, per_chat_per_second=1)
    await bot.send_message(user.id, "one")
    with pytest.raises(RetryAfter):
        await bot.send_message(user.id, "two, too soon")
    assert emu.stats["429"] == 2 and not emu.refusals


async def test_files_upload_once_and_reuse(emu: Emulator, bot: Bot) -> None:
    user = started(emu)
    first = await bot.send_document(user.id, b"%PDF-1.4 study", filename="学习材料.pdf")
    assert first.document is not None
    await bot.send_document(user.id, first.document.file_id)
    assert (emu.stats["uploads"], emu.stats["reuses"]) == (1, 1)
    downloaded = await (await bot.get_file(first.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"%PDF-1.4 study"


async def test_photos_have_telegrams_dimensions(emu: Emulator, bot: Bot) -> None:
    """A photo is reported at its real size, and one Telegram would refuse (sides adding
    up to over 10000 pixels, or longer than 20 times as wide) is refused."""
    from bot import charts

    user = started(emu)
    picture = charts.png(lambda axes: axes.plot([0, 1]), size=(5.4, 3))
    sent = await bot.send_photo(user.id, picture)
    assert (sent.photo[-1].width, sent.photo[-1].height) == (648, 360)
    for size in [(2.0, 90.0), (50.0, 2.0)]:
        with pytest.raises(BadRequest, match=r"(?i)photo_invalid_dimensions"):
            await bot.send_photo(user.id, charts.png(lambda axes: None, size=size))


async def test_group_migration_and_removal(emu: Emulator, bot: Bot) -> None:
    user = started(emu)
    group = emu.add_group("村群", members=[user])
    await bot.send_message(group.id, "hello group")
    new = emu.migrate_group(group)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(group.id, "x")
    assert caught.value.new_chat_id == new.id
    emu.remove_bot_from_group(new)
    with pytest.raises(Forbidden, match="kicked"):
        await bot.send_message(new.id, "x")


async def test_wrong_token_and_unknown_method(emu: Emulator) -> None:
    wrong = Bot("1:wrong", base_url=emu.base_url)
    with pytest.raises(InvalidToken):
        await wrong.initialize()
    await wrong.shutdown()
    async with Bot(emu.token, base_url=emu.base_url) as bot:
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("noSuchMethod")


def test_start_links_follow_telegram_rules(emu: Emulator) -> None:
    user = emu.add_user("王芳")
    emu.start_link(user, "A" * 64)
    for payload in ("A" * 65, "中文", "a b", ""):
        with pytest.raises(ValueError, match="start link"):
            emu.start_link(user, payload)


async def test_a_real_application_polls_and_replies(emu: Emulator) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"回声：{update.effective_message.text}")

    app = Application.builder().token(emu.token).base_url(emu.base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    user = emu.add_user("王芳")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        emu.send_text(user, "你好")
        for _ in range(200):
            if emu.texts(user):
                break
            await asyncio.sleep(0.01)
        await app.updater.stop()
        await app.stop()
    assert emu.texts(user) == ["回声：你好"]


async def test_who_joins_a_group_and_the_bots_rights_there(emu: Emulator, bot: Bot) -> None:
    owner, newcomer = started(emu), started(emu, "李四")
    group = emu.add_group("村群", members=[owner])
    # Telegram's default leaves chat_member out; an ordinary bot gets only the note.
    await bot.get_updates(offset=100)
    emu.join_group(newcomer, group, by=owner)
    updates = await bot.get_updates(offset=-1)
    assert [u.message.new_chat_members[0].id for u in updates if u.message] == [newcomer.id]
    assert [u for u in updates if u.chat_member] == []
    # Asked for by name, it comes — only to an administrator.
    await bot.get_updates(
        offset=updates[-1].update_id + 1,
        allowed_updates=["message", "chat_member", "my_chat_member"],
    )
    emu.leave_group(newcomer, group)
    left = await bot.get_updates(offset=updates[-1].update_id + 1)
    assert [
        u.message.left_chat_member.id for u in left if u.message and u.message.left_chat_member
    ] == [newcomer.id]
    assert [u for u in left if u.chat_member] == []
    with pytest.raises(BadRequest, match=r"(?i)not enough rights to manage chat invite link"):
        await bot.create_chat_invite_link(group.id, name="zhibu")
    emu.refusals.clear()
    emu.promote_bot(group, by=owner)
    link = await bot.create_chat_invite_link(group.id, name="zhibu")
    assert link.invite_link.startswith("https://t.me/+") and link.name == "zhibu"
    assert emu.join_by_link(newcomer, link.invite_link) is group
    later = await bot.get_updates(offset=left[-1].update_id + 1)
    promoted = [u.my_chat_member for u in later if u.my_chat_member]
    assert promoted[0].new_chat_member.status == "administrator"
    joined = [u.chat_member for u in later if u.chat_member]
    assert joined[0].new_chat_member.user.id == newcomer.id
    assert joined[0].invite_link is not None and joined[0].invite_link.name == "zhibu"
    me = await bot.get_chat_member(group.id, bot.id)
    assert me.status == "administrator" and me.can_invite_users  # type: ignore[attr-defined]
    assert (await bot.get_chat_member(group.id, newcomer.id)).status == "member"
    emu.demote_bot(group, by=owner)
    with pytest.raises(LookupError):
        emu.join_by_link(started(emu, "王五"), link.invite_link)  # its links went with it
    emu.refusals.clear()
