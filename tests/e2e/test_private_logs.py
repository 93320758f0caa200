"""Logs carry which update failed and of what kind, never what the person wrote or
shared: a handler error with a message's text or a shared contact leaves neither in any
log record at the levels the bot logs by default (INFO and up, PTB's own records
included). DEBUG is for debugging: there PTB logs every Bot API call with its body."""

from __future__ import annotations

import logging

import pytest

from tests.harness import Harness

BROKEN_HTML = 'Bad Request: can\'t parse entities: unsupported start tag "x" at byte offset 0'
SECRET_TEXT = "我家住在柳树沟三组"
PHONE = "13912345678"


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return [formatter.format(record) for record in caplog.records if record.levelno >= logging.INFO]


async def test_a_failing_handler_logs_the_update_id_and_kind_not_the_words(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    member = h.person("孙八")
    # Every reply to this person is refused (as Telegram refuses broken HTML): each of the
    # two updates fails in its handler.
    h.emu.inject(
        "sendMessage", error_code=400, description=BROKEN_HTML, times=20, chat_id=member.id
    )
    caplog.clear()
    h.emu.send_text(member.user, SECRET_TEXT)
    h.emu.send_contact(member.user, PHONE)
    with pytest.raises(AssertionError, match="the bot raised"):
        await h.settle()
    raised, h.errors[:] = list(h.errors), []
    assert len(raised) == 2

    lines = _lines(caplog)
    failed = [line for line in lines if "error while handling" in line]
    assert len(failed) == 2
    assert all("update " in line and "(message" in line for line in failed), failed
    leaks = [line for line in lines if SECRET_TEXT in line or PHONE in line]
    assert leaks == []
    # What was shared stays where it belongs: the journal (until it is forgotten).
    async with h.db.read() as c:
        bodies = [row[0] for row in await c.execute_fetchall("SELECT body FROM inbox")]
    assert any(PHONE in body for body in bodies)
