"""The Bot API methods the emulator serves: their parameters, types and which are required.

This table is the emulator's own; a test holds it against the official specification
(`shared/telegram-bot-api/api.json`) so that it can only shrink from, never invent, what
Telegram accepts.
"""

from __future__ import annotations

from typing import Final

# Parameter kinds, for decoding form-encoded values: int, float, bool, str, json, file.
P = dict[str, tuple[str, bool]]

_SEND_COMMON: Final[P] = {
    "business_connection_id": ("str", False),
    "message_thread_id": ("int", False),
    "direct_messages_topic_id": ("int", False),
    "disable_notification": ("bool", False),
    "protect_content": ("bool", False),
    "allow_paid_broadcast": ("bool", False),
    "message_effect_id": ("str", False),
    "suggested_post_parameters": ("json", False),
    "reply_parameters": ("json", False),
    "reply_markup": ("json", False),
}
_CAPTIONED: Final[P] = {
    **_SEND_COMMON,
    "chat_id": ("chat", True),
    "caption": ("str", False),
    "parse_mode": ("str", False),
    "caption_entities": ("json", False),
}

METHODS: Final[dict[str, P]] = {
    "getMe": {},
    "logOut": {},
    "close": {},
    "getUpdates": {
        "offset": ("int", False),
        "limit": ("int", False),
        "timeout": ("int", False),
        "allowed_updates": ("json", False),
    },
    "setWebhook": {
        "url": ("str", True),
        "certificate": ("file", False),
        "ip_address": ("str", False),
        "max_connections": ("int", False),
        "allowed_updates": ("json", False),
        "drop_pending_updates": ("bool", False),
        "secret_token": ("str", False),
    },
    "deleteWebhook": {"drop_pending_updates": ("bool", False)},
    "getWebhookInfo": {},
    "sendMessage": {
        **_SEND_COMMON,
        "chat_id": ("chat", True),
        "text": ("str", True),
        "parse_mode": ("str", False),
        "entities": ("json", False),
        "link_preview_options": ("json", False),
    },
    "editMessageText": {
        "business_connection_id": ("str", False),
        "chat_id": ("chat", False),
        "message_id": ("int", False),
        "inline_message_id": ("str", False),
        "text": ("str", True),
        "parse_mode": ("str", False),
        "entities": ("json", False),
        "link_preview_options": ("json", False),
        "reply_markup": ("json", False),
    },
    "editMessageReplyMarkup": {
        "business_connection_id": ("str", False),
        "chat_id": ("chat", False),
        "message_id": ("int", False),
        "inline_message_id": ("str", False),
        "reply_markup": ("json", False),
    },
    "deleteMessage": {"chat_id": ("chat", True), "message_id": ("int", True)},
    "answerCallbackQuery": {
        "callback_query_id": ("str", True),
        "text": ("str", False),
        "show_alert": ("bool", False),
        "url": ("str", False),
        "cache_time": ("int", False),
    },
    "sendChatAction": {
        "business_connection_id": ("str", False),
        "chat_id": ("chat", True),
        "message_thread_id": ("int", False),
        "action": ("str", True),
    },
    "setMyCommands": {
        "commands": ("json", True),
        "scope": ("json", False),
        "language_code": ("str", False),
    },
    "getMyCommands": {"scope": ("json", False), "language_code": ("str", False)},
    "deleteMyCommands": {"scope": ("json", False), "language_code": ("str", False)},
    "setChatMenuButton": {"chat_id": ("int", False), "menu_button": ("json", False)},
    "getChat": {"chat_id": ("chat", True)},
    "getChatMember": {"chat_id": ("chat", True), "user_id": ("int", True)},
    "getChatAdministrators": {"chat_id": ("chat", True)},
    "createChatInviteLink": {
        "chat_id": ("chat", True),
        "name": ("str", False),
        "expire_date": ("int", False),
        "member_limit": ("int", False),
        "creates_join_request": ("bool", False),
    },
    "leaveChat": {"chat_id": ("chat", True)},
    "getFile": {"file_id": ("str", True)},
    "sendDocument": {
        **_CAPTIONED,
        "document": ("file", True),
        "thumbnail": ("file", False),
        "disable_content_type_detection": ("bool", False),
    },
    "sendPhoto": {
        **_CAPTIONED,
        "photo": ("file", True),
        "has_spoiler": ("bool", False),
        "show_caption_above_media": ("bool", False),
    },
    "sendVoice": {**_CAPTIONED, "voice": ("file", True), "duration": ("int", False)},
    "sendAudio": {
        **_CAPTIONED,
        "audio": ("file", True),
        "duration": ("int", False),
        "performer": ("str", False),
        "title": ("str", False),
        "thumbnail": ("file", False),
    },
    "sendVideo": {
        **_CAPTIONED,
        "video": ("file", True),
        "duration": ("int", False),
        "width": ("int", False),
        "height": ("int", False),
        "thumbnail": ("file", False),
        "supports_streaming": ("bool", False),
        "has_spoiler": ("bool", False),
        "show_caption_above_media": ("bool", False),
    },
    "sendLocation": {
        **_SEND_COMMON,
        "chat_id": ("chat", True),
        "latitude": ("float", True),
        "longitude": ("float", True),
    },
}

# Methods that put a message in a chat: what flood limits count.
SENDING: Final = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendVoice",
        "sendAudio",
        "sendVideo",
        "sendLocation",
    }
)
FILE_FIELD: Final = {
    "sendDocument": "document",
    "sendPhoto": "photo",
    "sendVoice": "voice",
    "sendAudio": "audio",
    "sendVideo": "video",
}

BY_LOWER: Final = {name.lower(): name for name in METHODS}
