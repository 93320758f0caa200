"""An update handed to a logger as an argument is logged as its id and kind: PTB's own
records ("Processing update %s" at DEBUG, a CRITICAL when a context cannot be built)
never carry what a person wrote or shared."""

from __future__ import annotations

import logging

import pytest
from telegram import Update

from bot import logs
from tests.conftest import TOKEN

BODY = {
    "update_id": 41,
    "message": {
        "message_id": 7,
        "date": 0,
        "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": False, "first_name": "周九"},
        "contact": {"phone_number": "13912345678", "first_name": "周九", "user_id": 5},
    },
}


def test_an_update_in_a_log_record_is_its_id_and_kind(caplog: pytest.LogCaptureFixture) -> None:
    logs.hide(TOKEN)  # what every `zhibu run` does at start-up: the factory is in place
    update = Update.de_json(BODY, None)
    with caplog.at_level(logging.DEBUG, logger="telegram.ext.Application"):
        logging.getLogger("telegram.ext.Application").debug("Processing update %s", update)
    messages = [record.getMessage() for record in caplog.records]
    assert messages == ["Processing update update 41 (message)"]
