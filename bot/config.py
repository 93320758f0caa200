"""Settings from ZHIBU_* environment variables or a .env file, validated once at start-up."""

from __future__ import annotations

import difflib
import re
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.i18n import N_
from bot.profile import InvalidInput
from bot.seasons import DEFAULT as DEFAULT_SEASONS
from bot.seasons import parse_seasons
from storage.models import MeetingKind

TELEGRAM_API_BASE = "https://api.telegram.org/bot"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
#: Sessions after which the guidelines ask for heartfelt notes: study, not business.
STUDY_SESSIONS: tuple[MeetingKind, ...] = ("lesson", "study", "activity_day")


def check_webhook_url(url: str) -> str:
    """Telegram posts only to https; plain http is let through for this machine alone
    (the tests and the emulator). Raises InvalidInput with what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput(N_("“{url}” is not a web address (https://your.domain/path)"), url=url)
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise InvalidInput(N_("Telegram posts updates only to https:// addresses"))
    return url


def parse_listen(text: str) -> tuple[str, int]:
    """ "127.0.0.1:8443" → ("127.0.0.1", 8443); "[::1]:8443" for IPv6."""
    host, _, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise InvalidInput(N_("“{value}” is not host:port (e.g. 127.0.0.1:8443)"), value=text)
    return host, int(port)


#: Where settings come from, for :class:`Settings` and for the language read before it.
SOURCES = SettingsConfigDict(
    env_prefix="ZHIBU_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
)
#: Names people in China give the zone that tzdata calls Asia/Shanghai.
_CHINA_TIME = {
    "beijing",
    "asia/beijing",
    "北京",
    "北京时间",
    "china",
    "cst",
    "utc+8",
    "gmt+8",
    "utc+08:00",
    "gmt+08:00",
}
#: pydantic's own complaints that an operator meets, in words the catalogs translate.
_PYDANTIC_PROBLEMS = {
    "int_parsing": N_("must be a whole number"),
    "float_parsing": N_("must be a number"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than_equal": N_("must be at most {le}"),
    "greater_than": N_("must be more than {gt}"),
    "less_than": N_("must be less than {lt}"),
    "time_parsing": N_("must be a time of day, like 09:00"),
    "time_type": N_("must be a time of day, like 09:00"),
    "literal_error": N_("must be one of {expected}"),
}


#: The last day of the month a reminder may be set on, from either end: every month has it.
LAST_MONTH_DAY = 28


def parse_reminder_schedule(text: str) -> list[tuple[int, time]]:
    """ "15 09:00, -3 09:00" → [(15, 09:00), (-3, 09:00)]; raises InvalidInput."""
    entries = []
    for part in text.split(","):
        if not part.strip():
            continue
        day_text, _, time_text = part.strip().partition(" ")
        try:
            day = int(day_text)
            at = time.fromisoformat(time_text.strip() or "09:00")
        except ValueError:
            day, at = 0, time()
        if day == 0 or not -LAST_MONTH_DAY <= day <= LAST_MONTH_DAY:
            raise InvalidInput(
                N_(
                    "“{value}” is not a day of the month (1 to {last}, or -1 to "
                    "-{last} counting from the end) and a time, like “15 09:00”"
                ),
                value=part.strip(),
                last=LAST_MONTH_DAY,
            )
        entries.append((day, at))
    if not entries:
        raise InvalidInput(N_("no reminder times: write them like “15 09:00, -3 09:00”"))
    return entries


def suggest_timezone(name: str) -> str | None:
    """The valid zone nearest to a misspelt one (case and typos forgiven), if any is near."""
    if name.strip().lower() in _CHINA_TIME:
        return "Asia/Shanghai"
    zones = {zone.lower(): zone for zone in available_timezones()}
    found = difflib.get_close_matches(name.strip().lower(), zones, n=1, cutoff=0.6)
    return zones[found[0]] if found else None


def setting_problems(error: ValidationError) -> list[tuple[str, str, dict[str, Any]]]:
    """Each invalid setting as (ZHIBU_ name, English message id, its fields)."""
    problems = []
    for detail in error.errors():
        name = "ZHIBU_" + "_".join(str(part) for part in detail["loc"][:1]).upper()
        context = detail.get("ctx") or {}
        cause = context.get("error")
        if isinstance(cause, InvalidInput):
            problems.append((name, cause.message, cause.fields))
        elif detail["type"] in _PYDANTIC_PROBLEMS:
            fields = dict(context)
            if "expected" in fields:  # "'zh' or 'en'": the "or" would stay English
                fields["expected"] = str(fields["expected"]).replace(" or ", ", ")
            problems.append((name, _PYDANTIC_PROBLEMS[detail["type"]], fields))
        else:
            problems.append((name, str(cause) if cause is not None else detail["msg"], {}))
    return problems


class LanguageSetting(BaseSettings):
    """ZHIBU_LANGUAGE alone, read before the other settings so that ``--help`` and the
    complaint about a broken setting are already in the operator's language."""

    model_config = SOURCES

    language: str | None = None


class Settings(BaseSettings):
    """Everything zhibu can be told from outside. Built in ``main()``, never at import."""

    model_config = SOURCES

    token: SecretStr | None = Field(
        default=None, description="Bot token from @BotFather (needed by `zhibu run`)"
    )
    database: Path = Field(default=Path("zhibu.sqlite3"), description="SQLite database file")
    api_base: str = Field(
        default=TELEGRAM_API_BASE,
        description="Bot API base URL; point it at a self-hosted Bot API server or the emulator",
    )
    timezone: str = Field(default="Asia/Shanghai", description="The organisation's time zone")
    admins: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Telegram user ids of organisation staff, comma separated"
    )
    invite_days: int = Field(default=14, ge=1, le=365, description="Days an invite link lives")
    invite_uses: int = Field(default=50, ge=1, le=10_000, description="Joins one invite allows")
    log_level: str = Field(default="INFO", description="Logging level")
    language: Literal["zh", "en"] | None = Field(
        default=None,
        description="Language of the command line (zh or en); without it the locale decides "
        "(LC_ALL, LC_MESSAGES or LANG starting with zh: Chinese, else English)",
    )
    concurrent_updates: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Updates from different people handled at once (one person's always in "
        "order); more helps on a slow link to Telegram, costs CPU on a fast one",
    )
    user_updates_limit: int = Field(
        default=20,
        ge=1,
        le=100_000,
        description="Messages and presses one person may send in ZHIBU_USER_UPDATES_WINDOW "
        "seconds before the bot asks them to slow down",
    )
    user_updates_window: float = Field(
        default=10.0, gt=0, le=3600, description="The window for ZHIBU_USER_UPDATES_LIMIT"
    )
    send_per_second: float = Field(
        default=30.0,
        gt=0,
        le=1000,
        description="Messages a second the bot may send overall (Telegram's limit is 30)",
    )
    send_chat_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="Seconds between two messages to one private chat (Telegram's limit is "
        "1); a group gets 20 messages in 60 times this",
    )
    send_concurrency: int = Field(
        default=8, ge=1, le=64, description="Messages the outbox has on the way at once"
    )
    study_reminder_days: int = Field(
        default=2,
        ge=0,
        le=30,
        description="Days before a material's due date that members are reminded (0: only "
        "on the day)",
    )
    study_reminder_time: time = Field(
        default=time(20, 0),
        description="Local time of the evening reminder: what is open for each member (HH:MM)",
    )
    study_makeup_days: int = Field(
        default=30,
        ge=0,
        le=366,
        description="A member who starts working away receives the materials of this many "
        "past days sent to their branch's flowing members",
    )
    note_after: Annotated[list[MeetingKind], NoDecode] = Field(
        default_factory=lambda: list(STUDY_SESSIONS),
        description="Kinds of session after which those who attended are asked for a "
        "heartfelt note, comma separated (assembly, committee, group, lesson, "
        "activity_day, study, other); empty: none",
    )
    homecoming_seasons: str = Field(
        default=DEFAULT_SEASONS,
        description="When members working away come home (Spring Festival, autumn harvest) "
        "as month-day ranges, comma separated: in these windows secretaries get "
        "the list of who is home and what each missed, for a make-up lesson",
    )
    note_days: int = Field(
        default=14,
        ge=1,
        le=365,
        description="A request for a heartfelt note lapses this many days after it was "
        "asked: no longer owed, reminded or listed",
    )

    tick_seconds: int = Field(
        default=60,
        ge=1,
        le=3600,
        description="How often the scheduler looks for due work (check-in posts, reminders, "
        "scheduled notices, bulletins)",
    )
    checkin_before_minutes: int = Field(
        default=30,
        ge=0,
        le=240,
        description="Check-in opens this many minutes before a meeting starts (the bot posts "
        "the check-in buttons in the branch group then)",
    )
    checkin_after_minutes: int = Field(
        default=60,
        ge=5,
        le=720,
        description="Check-in closes this many minutes after the start; the summary follows",
    )
    checkin_count_seconds: int = Field(
        default=6,
        ge=1,
        le=600,
        description="The live count on a check-in post in the group is edited at most once "
        "in this many seconds, however fast people press (a group takes about "
        "20 messages and edits a minute)",
    )
    meeting_reminder_minutes: int = Field(
        default=60,
        ge=5,
        le=720,
        description="Invited members are reminded the day before and this many minutes "
        "before a meeting",
    )
    meetings_per_day: int = Field(
        default=20,
        ge=1,
        le=10_000,
        description="Sessions one person may schedule in a day: each sends messages to a "
        "group or every member, and a runaway form or script should not queue "
        "hours of them",
    )

    visit_quota_days: float = Field(
        default=3.0,
        gt=0,
        le=31,
        description="Days a month each leader should work at their contact point (staff can "
        "change it in the bot, for everyone or one leader)",
    )
    visit_reminders: str = Field(
        default="15 09:00, -3 09:00",
        description="When leaders behind quota are reminded: day of month (negative counts "
        "from the end, -1 = last day) and local time, comma separated",
    )

    bulletin_time: time = Field(
        default=time(9, 0),
        description="Local time the monthly (on the 1st) and quarterly bulletins go to staff",
    )

    keep_rejected_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        description="Rejected applications and forms left unfinished are erased this many "
        "days after their last change",
    )
    keep_removed_days: int = Field(
        default=180,
        ge=1,
        le=3650,
        description="Removed members' contact details (phone, birth year, city, employer) "
        "are erased this many days after the removal; attendance stays",
    )
    keep_strangers_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        description="Telegram accounts that wrote to the bot but never registered are "
        "forgotten this many days after they first wrote",
    )
    keep_delivered_days: int = Field(
        default=35,
        ge=7,
        le=3650,
        description="Messages sent (or given up) are deleted from the outbox this many "
        "days after; receipts keep how each ended",
    )

    error_report_minutes: int = Field(
        default=10,
        ge=1,
        le=1440,
        description="Staff hear of errors in the bot at most once in this many minutes, with "
        "the count since the last report",
    )
    stuck_minutes: int = Field(
        default=15,
        ge=1,
        le=1440,
        description="`zhibu status` calls the bot stuck when messages have waited this long "
        "with none sent meanwhile, or an update has waited this long unhandled",
    )

    webhook_url: str | None = Field(
        default=None,
        description="Run with a webhook at this https address instead of polling (also "
        "`zhibu run --webhook URL`)",
    )
    webhook_listen: str = Field(
        default="127.0.0.1:8443",
        description="host:port the webhook server listens on, behind the reverse proxy",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Telegram's secret_token for the webhook: 1-256 of A-Z a-z 0-9 _ -; "
        "derived from the token when not set",
    )

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        return check_webhook_url(value) if value else None

    @field_validator("webhook_listen")
    @classmethod
    def _webhook_listen(cls, value: str) -> str:
        parse_listen(value)
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise InvalidInput(N_("must be 1 to 256 characters of A-Z a-z 0-9 _ -"))
        return value

    @field_validator("visit_reminders")
    @classmethod
    def _reminder_schedule(cls, value: str) -> str:
        parse_reminder_schedule(value)
        return value

    @field_validator("homecoming_seasons")
    @classmethod
    def _seasons(cls, value: str) -> str:
        parse_seasons(value)
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        levels = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
        if value.upper() not in levels:
            raise InvalidInput(N_("must be one of {expected}"), expected=", ".join(levels))
        return value.upper()

    @field_validator("note_after", mode="before")
    @classmethod
    def _split_kinds(cls, value: object) -> object:
        if isinstance(value, str):
            kinds = [part.strip().lower() for part in re.split(r"[,;\s]+", value) if part.strip()]
            for kind in kinds:
                if kind not in get_args(MeetingKind):
                    raise InvalidInput(
                        N_("“{value}” is not a kind of session: use {expected}"),
                        value=kind,
                        expected=", ".join(get_args(MeetingKind)),
                    )
            return list(dict.fromkeys(kinds))
        return value

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            for part in parts:
                if part and not part.isdigit():
                    raise InvalidInput(
                        N_("“{value}” is not a Telegram user id (a number)"), value=part
                    )
            return [int(part) for part in parts if part]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            nearest = suggest_timezone(value)
            if nearest is None:
                raise InvalidInput(
                    N_("unknown time zone “{value}”: use a name like Asia/Shanghai"), value=value
                ) from None
            raise InvalidInput(
                N_("unknown time zone “{value}”; did you mean {nearest}?"),
                value=value,
                nearest=nearest,
            ) from None
        return value

    @field_validator("language", mode="before")
    @classmethod
    def _language_code(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise InvalidInput(N_("must start with http:// or https://"))
        value = value.rstrip("/")
        return value if value.endswith("/bot") else value + "/bot"

    @property
    def file_base(self) -> str:
        """Where files are downloaded: the API base with /bot → /file/bot."""
        return self.api_base[: -len("/bot")] + "/file/bot"
