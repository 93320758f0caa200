"""The baseline for bench/checkin.py: a bare python-telegram-bot bot that only answers
callback queries, run the way `zhibu run` runs (long polling, updates one at a time)."""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer("✅")


def main() -> None:
    app = (
        Application.builder()
        .token(os.environ["ZHIBU_TOKEN"])
        .base_url(os.environ["ZHIBU_API_BASE"])
        .build()
    )
    app.add_handler(CallbackQueryHandler(answer))
    app.run_polling(allowed_updates=["callback_query"])


if __name__ == "__main__":
    main()
