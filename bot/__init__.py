"""zhibu: a Telegram bot for a county's party organisation and its village branches."""

import os

# python-telegram-bot 22 warns on every duration it hands out unless the program opts in to
# the timedelta values its next major version returns; zhibu is written for those already.
os.environ.setdefault("PTB_TIMEDELTA", "true")
