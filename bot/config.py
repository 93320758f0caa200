"""Settings from ZHIBU_* environment variables or a .env file, validated once at start-up."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_API_BASE = "https://api.telegram.org/bot"


def parse_reminder_schedule(text: str) -> list[tuple[int, time]]:
    """"15 09:00, -3 09:00" → [(15, 09:00), (-3, 09:00)]; raises ValueError."""
    entries = []
    for part in text.split(","):
        if not part.strip():
            continue
        day_text, _, time_text = part.strip().partition(" ")
        day = int(day_text)
        if day == 0 or not -28 <= day <= 28:
            raise ValueError(f"day of month must be 1..28 or -1..-28, not {day}")
        entries.append((day, time.fromisoformat(time_text.strip() or "09:00")))
    if not entries:
        raise ValueError("no reminder times")
    return entries


class Settings(BaseSettings):
    """Everything zhibu can be told from outside. Built in ``main()``, never at import."""

    model_config = SettingsConfigDict(
        env_prefix="ZHIBU_", env_file=".env", env_file_encoding="utf-8", extra="ignore",
    )

    token: SecretStr | None = Field(
        default=None, description="Bot token from @BotFather (needed by `zhibu run`)")
    database: Path = Field(default=Path("zhibu.sqlite3"), description="SQLite database file")
    api_base: str = Field(
        default=TELEGRAM_API_BASE,
        description="Bot API base URL; point it at a self-hosted Bot API server or the emulator")
    timezone: str = Field(default="Asia/Shanghai", description="The organisation's time zone")
    admins: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        description="Telegram user ids of organisation staff, comma separated",
    )
    invite_days: int = Field(default=14, ge=1, le=365, description="Days an invite link lives")
    invite_uses: int = Field(default=50, ge=1, le=10_000, description="Joins one invite allows")
    log_level: str = Field(default="INFO", description="Logging level")
    concurrent_updates: int = Field(
        default=4, ge=1, le=64,
        description="Updates from different people handled at once (one person's always in "
                    "order); more helps on a slow link to Telegram, costs CPU on a fast one")
    user_updates_limit: int = Field(
        default=20, ge=1, le=100_000,
        description="Messages and presses one person may send in ZHIBU_USER_UPDATES_WINDOW "
                    "seconds before the bot asks them to slow down")
    user_updates_window: float = Field(default=10.0, gt=0, le=3600,
                                       description="The window for ZHIBU_USER_UPDATES_LIMIT")
    send_per_second: float = Field(
        default=30.0, gt=0, le=1000,
        description="Messages a second the bot may send overall (Telegram's limit is 30)")
    send_chat_seconds: float = Field(
        default=1.0, gt=0, le=60,
        description="Seconds between two messages to one private chat (Telegram's limit is "
                    "1); a group gets 20 messages in 60 times this")
    send_concurrency: int = Field(default=8, ge=1, le=64,
                                  description="Messages the outbox has on the way at once")
    study_reminder_days: int = Field(
        default=2, ge=0, le=30,
        description="Days before a material's due date that members are reminded (0: only "
                    "on the day)")
    study_reminder_time: time = Field(
        default=time(20, 0), description="Local time of study reminders (HH:MM)")
    study_makeup_days: int = Field(
        default=30, ge=0, le=366,
        description="A member who starts working away receives the materials of this many "
                    "past days sent to their branch's flowing members")

    tick_seconds: int = Field(
        default=60, ge=1, le=3600,
        description="How often the scheduler looks for due work (check-in posts, reminders, "
                    "scheduled notices, bulletins)")
    checkin_before_minutes: int = Field(
        default=30, ge=0, le=240,
        description="Check-in opens this many minutes before a meeting starts (the bot posts "
                    "the check-in buttons in the branch group then)")
    checkin_after_minutes: int = Field(
        default=60, ge=5, le=720,
        description="Check-in closes this many minutes after the start; the summary follows")
    meeting_reminder_minutes: int = Field(
        default=60, ge=5, le=720,
        description="Invited members are reminded the day before and this many minutes "
                    "before a meeting")

    visit_quota_days: float = Field(
        default=3.0, gt=0, le=31,
        description="Days a month each leader should work at their contact point (staff can "
                    "change it in the bot, for everyone or one leader)")
    visit_reminders: str = Field(
        default="15 09:00, -3 09:00",
        description="When leaders behind quota are reminded: day of month (negative counts "
                    "from the end, -1 = last day) and local time, comma separated")

    bulletin_time: time = Field(
        default=time(9, 0),
        description="Local time the monthly (on the 1st) and quarterly bulletins go to staff")

    @field_validator("visit_reminders")
    @classmethod
    def _reminder_schedule(cls, value: str) -> str:
        parse_reminder_schedule(value)
        return value

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            return [int(part) for part in parts if part]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        value = value.rstrip("/")
        return value if value.endswith("/bot") else value + "/bot"

    @property
    def file_base(self) -> str:
        """Where files are downloaded: the API base with /bot → /file/bot."""
        return self.api_base[: -len("/bot")] + "/file/bot"
