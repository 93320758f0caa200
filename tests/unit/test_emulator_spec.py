"""The emulator's table of methods, held against the official Bot API specification."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot

from sandbox.emulator import Emulator
from sandbox.methods import METHODS

SPEC = Path(__file__).resolve().parents[3] / "shared" / "telegram-bot-api" / "api.json"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.skip(f"the Bot API specification is not beside the project ({SPEC})")
    return json.loads(SPEC.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_every_method_and_parameter_is_official(spec: dict[str, Any]) -> None:
    for name, params in METHODS.items():
        assert name in spec["methods"], f"{name} is not a Bot API method"
        official = {f["name"]: f for f in spec["methods"][name].get("fields", [])}
        for param, (_, required) in params.items():
            assert param in official, f"{name}.{param} is not an official parameter"
            assert official[param]["required"] == required, f"{name}.{param} required differs"
        for param, field in official.items():
            if field["required"]:
                assert param in params, f"{name} misses the required {param}"


def _required(spec: dict[str, Any], type_name: str) -> set[str]:
    return {f["name"] for f in spec["types"][type_name]["fields"] if f["required"]}


async def test_returned_objects_carry_the_required_fields(spec: dict[str, Any]) -> None:
    emu = Emulator()
    await emu.start()
    try:
        user = emu.add_user("王芳")
        emu.send_text(user, "/start")
        bot = Bot(emu.token, base_url=emu.base_url)
        async with bot:
            me = await bot.get_me()
            message = await bot.send_message(user.id, "<b>你好</b>", parse_mode="HTML")
        assert _required(spec, "User") <= set(me.to_dict())
        raw = message.to_dict()
        assert _required(spec, "Message") <= set(raw)
        assert _required(spec, "Chat") <= set(raw["chat"])
        assert _required(spec, "MessageEntity") <= set(raw["entities"][0])
    finally:
        await emu.stop()


async def test_group_objects_carry_the_required_fields(spec: dict[str, Any]) -> None:
    emu = Emulator()
    await emu.start()
    try:
        owner = emu.add_user("王芳")
        group = emu.add_group("村群", members=[owner])
        emu.promote_bot(group, by=owner)
        bot = Bot(emu.token, base_url=emu.base_url)
        async with bot:
            link = await bot.create_chat_invite_link(group.id, name="zhibu")
            me = await bot.get_chat_member(group.id, bot.id)
            other = await bot.get_chat_member(group.id, owner.id)
            emu.join_group(emu.add_user("李四"), group, by=owner)
            updates = await bot.get_updates(allowed_updates=["chat_member", "my_chat_member"])
        assert _required(spec, "ChatInviteLink") <= set(link.to_dict())
        assert _required(spec, "ChatMemberAdministrator") <= set(me.to_dict())
        assert _required(spec, "ChatMemberMember") <= set(other.to_dict())
        promoted = updates[0].my_chat_member
        assert promoted is not None
        assert _required(spec, "ChatMemberUpdated") <= set(promoted.to_dict())
    finally:
        await emu.stop()
