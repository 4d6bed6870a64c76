"""What the fake Telegram Bot API answers: state, methods, limits, faults and records, no HTTP.

``BotApi.call(method, params)`` answers one Bot API call as ``(HTTP status, JSON payload)`` and
records it in ``calls``. ``tests.support.fake_bot_api.FakeBotApi`` serves it over HTTP for the
real client; ``OfflineRequest`` calls it directly. Where a bot commonly goes wrong it is as
strict as Telegram: HTML entity parsing, the 4,096-character message limit, the 64-byte callback
data limit, "message is not modified" on a no-op edit, stale callback query ids, and 400 for a
missing or malformed parameter.

Fault injection, checked in this order before a method runs (the first queued fault that
matches answers; "sending methods" are send*, edit*, answer*, copy*, forward*, delete*):

- ``fail_next(count, status=502, description="Bad Gateway", methods=None, retry_after=None)``:
  the next ``count`` matching calls answer that error. ``methods`` defaults to the sending
  methods and may name any, e.g. ``{"getUpdates"}`` to fail polling or ``{"getMe"}`` start-up.
- ``outage(seconds, status=502, methods=None)``: every matching call (default: the sending
  methods) answers that status until ``seconds`` have passed on ``clock`` (a 429 carries
  ``retry_after=ceil(seconds)``).
- ``block_chat(chat_id)``: every call for that chat answers 403 "bot was blocked by the user".
- ``send_limit_per_second=N``: sending methods beyond N per second answer 429 with the
  constructor's ``retry_after``.

Updates: ``push_message``, ``push_callback``... build what Telegram would send;
``push_raw_update(payload)`` queues any JSON value exactly as given, for malformed or poison
updates python-telegram-bot cannot parse (``push_update`` only adds a missing ``update_id``).
``clock`` (``time.monotonic``) can be replaced to move time; ``long_polls`` counts the
getUpdates calls waiting right now.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import math
import re
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from typing import Any

JSONDict = dict[str, Any]
Result = tuple[int, JSONDict]

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64

# Methods that count towards the send limit and that faults hit by default.
SENDING_PREFIXES = ("send", "edit", "answer", "copy", "forward", "delete")

# Form fields that are always plain strings, even when they look like JSON ("5", "[x]", "true").
_STRING_FIELD = re.compile(
    r"text|caption|query|parse_mode|url|description|short_description|language_code|photo"
    r"|document|secret_token|next_offset|file_id|callback_query_id|inline_(query|message)_id"
)
_ALLOWED_HTML_TAG = re.compile(
    r"b|strong|i|em|u|ins|s|strike|del|a|code|pre|tg-spoiler|span|blockquote|tg-emoji"
)
_HTML_TOKEN = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>"  # a tag
    r"|&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);"  # an entity
    r"|[<&]"  # a bare < or & (invalid)
)
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?")
_MENTION = re.compile(r"@[A-Za-z0-9_]{5,32}")
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


def _file(kind: str, **details: Any) -> JSONDict:
    return {"file_id": f"{kind}-file", "file_unique_id": f"{kind}-unique", **details}


_STICKER = {"type": "regular", "emoji": "🦶", "is_animated": False, "is_video": False}
_MEDIA_PAYLOADS: dict[str, JSONDict] = {
    "sticker": {"sticker": _file("sticker", width=512, height=512, **_STICKER)},
    "photo": {"photo": [_file("photo", width=90, height=90)]},
    "voice": {"voice": _file("voice", duration=2)},
    "location": {"location": {"latitude": 48.8566, "longitude": 2.3522}},
    "document": {"document": _file("document", file_name="feet.pdf")},
}


class TelegramRejection(Exception):
    """A request Telegram itself would refuse; carries the HTTP status and description."""

    def __init__(
        self, description: str, status: int = 400, retry_after: int | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (e.g. the ``photo`` of sendPhoto)."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made, as the fake understood it, with the status it answered."""

    method: str
    params: JSONDict
    status: int
    at: float  # BotApi.clock() (time.monotonic) when the answer was sent

    @property
    def ok(self) -> bool:
        return self.status == HTTPStatus.OK

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return None if value is None else int(value)


@dataclass
class _Fault:
    status: int
    description: str
    methods: frozenset[str] | None
    remaining: int | None  # calls left to fail, or None for "until ``until``"
    until: float | None  # BotApi.clock() time when an outage ends
    retry_after: int | None

    def applies_to(self, method: str) -> bool:
        if self.methods is None:
            return method.startswith(SENDING_PREFIXES)
        return method in self.methods


class BotApi:
    """Telegram's side of the conversation; ``call`` answers the bot, ``push_*`` plays the user."""

    def __init__(
        self,
        *,
        username: str = "footbot_test_bot",
        bot_id: int = 777000,
        valid_token: str | None = None,
        send_limit_per_second: float | None = None,
        retry_after: int = 1,
    ) -> None:
        self.username = username
        self.bot_id = bot_id
        self.valid_token = valid_token  # checked by the HTTP layer: others answer 401
        self.send_limit_per_second = send_limit_per_second
        self.retry_after = retry_after
        self.clock: Callable[[], float] = (
            time.monotonic
        )  # for send limits, outages, ``ApiCall.at``
        self.calls: list[ApiCall] = []
        self.blocked_chats: set[int] = set()
        self.long_polls = 0  # getUpdates calls waiting for an update right now
        self._faults: deque[_Fault] = deque()
        self._recent_sends: deque[float] = deque()
        self._updates: deque[tuple[int, Any]] = deque()  # (update id for offsets, payload)
        self._last_update_id = 0
        self._people_texts: list[str] = []
        # chat id -> message id -> message, in the order the messages were sent
        self._messages: defaultdict[int, dict[int, JSONDict]] = defaultdict(dict)
        self._chats: dict[int, JSONDict] = {}
        self._next_message_id: Counter[int] = Counter()
        self._open_callback_queries: set[str] = set()
        self._open_inline_queries: set[str] = set()
        # Command menus and profile descriptions by language_code ("" for everyone else).
        self.command_menus: dict[str, list[JSONDict]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        # The app language of each user (Telegram's ``language_code``); "en" unless set.
        self.language_codes: dict[int, str] = {}
        self._uploads: dict[str, UploadedFile] = {}  # file_id -> content, for getFile
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._closing = False
        harmless: Callable[[JSONDict], Any] = lambda params: True  # noqa: E731
        self._methods: dict[str, Callable[[JSONDict], Any]] = {
            "getMe": lambda params: self.bot_user,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda params: self.command_menus.get(
                params.get("language_code", ""), []
            ),
            "deleteMyCommands": self._delete_my_commands,
            "deleteMessage": self._delete_message,
            "getFile": self._get_file,
            "getWebhookInfo": lambda params: {"url": "", "pending_update_count": 0},
            "deleteWebhook": harmless,
            "setWebhook": harmless,
            "sendChatAction": harmless,
            "setChatMenuButton": harmless,
            "setMyDescription": partial(self._set_description, "description", 512),
            "setMyShortDescription": partial(self._set_description, "short_description", 120),
            "close": harmless,
            "logOut": harmless,
        }

    @property
    def bot_user(self) -> JSONDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "FootBot",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }

    # ---------------------------------------------------------------------- fault injection
    def fail_next(
        self,
        count: int,
        *,
        status: int = HTTPStatus.BAD_GATEWAY,
        description: str = "Bad Gateway",
        methods: Iterable[str] | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``count`` matching calls with an error (default: sending methods)."""
        chosen = None if methods is None else frozenset(methods)
        self._faults.append(_Fault(status, description, chosen, count, None, retry_after))

    def outage(
        self,
        seconds: float,
        status: int = HTTPStatus.BAD_GATEWAY,
        *,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Answer every matching call (default: sending methods) with ``status`` for a while."""
        chosen = None if methods is None else frozenset(methods)
        until = self.clock() + seconds
        retry_after = math.ceil(seconds) if status == HTTPStatus.TOO_MANY_REQUESTS else None
        phrase = HTTPStatus(status).phrase
        self._faults.append(_Fault(status, phrase, chosen, None, until, retry_after))

    def block_chat(self, chat_id: int) -> None:
        """Answer every call for this chat with 403, as when a user blocks the bot."""
        self.blocked_chats.add(chat_id)

    # ------------------------------------------------------------------------ pushing updates
    def push_raw_update(self, payload: Any) -> Any:
        """Queue ``payload`` exactly as given (any JSON value) as the next update.

        An integer ``update_id`` in it is what a getUpdates offset confirms; anything else
        gets an internal id, confirmed by the offset that confirms a later update.
        """
        given = payload.get("update_id") if isinstance(payload, dict) else None
        update_id = given if isinstance(given, int) else self._last_update_id + 1
        self._last_update_id = max(self._last_update_id, update_id)
        self._updates.append((update_id, payload))
        self._people_texts.extend(_texts_in(payload))
        self._notify()
        return payload

    def push_update(self, payload: JSONDict) -> JSONDict:
        """Queue an update, with the next ``update_id`` unless it has one; returns the update."""
        return self.push_raw_update({"update_id": self._last_update_id + 1, **payload})

    def push_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        reply_to_message_id: int | None = None,
    ) -> JSONDict:
        """A user's text message; commands and @mentions get their entities like Telegram's.

        Every ``push_*`` returns the queued update, for feeding ``Application.process_update``.
        """
        message = self._user_message(chat_id, user_id, chat_type, {"text": text})
        if entities := _entities_for(text):
            message["entities"] = entities
        if reply_to_message_id is not None:
            message["reply_to_message"] = self._messages[chat_id][reply_to_message_id]
        return self.push_update({"message": message})

    def push_media(
        self, chat_id: int, kind: str, *, user_id: int | None = None, chat_type: str = "private"
    ) -> JSONDict:
        """A non-text message: kind is sticker, photo, voice, location or document."""
        message = self._user_message(chat_id, user_id, chat_type, dict(_MEDIA_PAYLOADS[kind]))
        return self.push_update({"message": message})

    def push_sticker(self, chat_id: int, *, user_id: int | None = None) -> JSONDict:
        return self.push_media(chat_id, "sticker", user_id=user_id)

    def push_edited(self, chat_id: int, message_id: int, text: str) -> JSONDict:
        """The user edits one of their earlier messages."""
        message = {**self._messages[chat_id][message_id], "text": text}
        message["edit_date"] = int(time.time())
        message.pop("entities", None)
        if entities := _entities_for(text):
            message["entities"] = entities
        self._messages[chat_id][message_id] = message
        return self.push_update({"edited_message": message})

    def push_callback(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None
    ) -> JSONDict:
        """The user presses an inline button on a bot message."""
        query_id = f"cq{next(self._query_ids)}"
        self._open_callback_queries.add(query_id)
        message = self._messages[chat_id].get(message_id) or {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id, "private"),
            "from": self.bot_user,
        }
        query = {
            "id": query_id,
            "from": self._user(user_id if user_id is not None else chat_id),
            "chat_instance": f"ci{chat_id}",
            "data": data,
            "message": message,
        }
        return self.push_update({"callback_query": query})

    def push_inline_query(self, user_id: int, query: str, *, offset: str = "") -> JSONDict:
        """The user types ``@bot query`` in any chat."""
        query_id = f"iq{next(self._query_ids)}"
        self._open_inline_queries.add(query_id)
        inline_query = {
            "id": query_id,
            "from": self._user(user_id),
            "query": query,
            "offset": offset,
            "chat_type": "private",
        }
        return self.push_update({"inline_query": inline_query})

    def take_updates(self) -> list[Any]:
        """Remove and return every queued update (to feed an application without polling)."""
        updates = [payload for _, payload in self._updates]
        self._updates.clear()
        return updates

    # ----------------------------------------------------------------------------- inspection
    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def counts(self) -> Counter[str]:
        """Calls per method, successful or not (for benchmarks)."""
        return Counter(call.method for call in self.calls)

    def message(self, chat_id: int, message_id: int) -> JSONDict:
        """The current state of a message (edits applied; text as the user sees it)."""
        return self._messages[chat_id][message_id]

    def bot_messages(self, chat_id: int) -> list[JSONDict]:
        """Messages the bot sent to a chat, oldest first, in their current state."""
        return [m for m in self._messages[chat_id].values() if m["from"]["id"] == self.bot_id]

    def file_content(self, file_path: str) -> bytes | None:
        """The bytes behind a ``file_path`` from getFile (what the file URL serves)."""
        upload = self._uploads.get(file_path.rpartition("/")[2])
        return None if upload is None else upload.content

    @property
    def pending_updates(self) -> int:
        """Updates pushed but not yet confirmed by a later getUpdates offset."""
        return len(self._updates)

    @property
    def people_texts(self) -> list[str]:
        """Every message text and inline query people sent, in order (for log checks)."""
        return list(self._people_texts)

    @property
    def commands(self) -> list[JSONDict]:
        """The command menu for everyone (no ``language_code``)."""
        return list(self.command_menus.get("", []))

    def mark(self) -> int:
        """A position in ``calls``; pass it as ``since`` to wait only for later calls."""
        return len(self.calls)

    async def wait_until(self, condition: Callable[[], bool], within: float = 10.0) -> None:
        """Wait until ``condition()`` holds (re-checked after every request and push), bounded."""

        async def _wait() -> None:
            while not condition():
                await self._changed.wait()

        await asyncio.wait_for(_wait(), within)

    async def wait_for_call(
        self,
        method: str,
        *,
        since: int = 0,
        predicate: Callable[[ApiCall], bool] | None = None,
        within: float = 10.0,
    ) -> ApiCall:
        """The first call to ``method`` at or after position ``since`` matching ``predicate``."""

        def matches(call: ApiCall) -> bool:
            return call.method == method and (predicate is None or predicate(call))

        try:
            await self.wait_until(lambda: any(map(matches, self.calls[since:])), within)
        except TimeoutError:
            seen = [call.method for call in self.calls[since:]]
            raise TimeoutError(f"no {method} call within {within}s; saw {seen}") from None
        return next(filter(matches, self.calls[since:]))

    def release_long_polls(self) -> None:
        """Answer waiting getUpdates calls now, and later ones at once (the server is stopping)."""
        self._closing = True
        self._notify()

    # ------------------------------------------------------------------------------ answering
    async def call(self, method: str, params: JSONDict) -> Result:
        """Answer one Bot API call as (HTTP status, JSON payload), recording it."""
        status: int
        try:
            self._check_faults(method, params)
            handler = self._methods.get(method)
            if method == "getUpdates":
                result = await self._get_updates(params)
            elif handler is None:
                raise TelegramRejection("Not Found: method not found", HTTPStatus.NOT_FOUND)
            else:
                result = handler(params)
            status, payload = HTTPStatus.OK, {"ok": True, "result": result}
        except TelegramRejection as rejection:
            status, payload = error_result(
                rejection.status, rejection.description, rejection.retry_after
            )
        except (KeyError, TypeError, ValueError) as problem:  # a missing or malformed parameter
            status, payload = error_result(HTTPStatus.BAD_REQUEST, f"Bad Request: {problem!r}")
        self.calls.append(ApiCall(method, params, status, self.clock()))
        self._notify()
        return status, payload

    def _check_faults(self, method: str, params: JSONDict) -> None:
        now = self.clock()
        self._faults = deque(f for f in self._faults if f.until is None or now < f.until)
        for fault in self._faults:
            if fault.applies_to(method):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                raise TelegramRejection(fault.description, fault.status, fault.retry_after)
        chat_id = params.get("chat_id")
        if chat_id is not None and int(chat_id) in self.blocked_chats:
            raise TelegramRejection("Forbidden: bot was blocked by the user", HTTPStatus.FORBIDDEN)
        if self.send_limit_per_second is not None and method.startswith(SENDING_PREFIXES):
            while self._recent_sends and now - self._recent_sends[0] >= 1.0:
                self._recent_sends.popleft()
            if len(self._recent_sends) >= self.send_limit_per_second:
                raise TelegramRejection(
                    f"Too Many Requests: retry after {self.retry_after}",
                    HTTPStatus.TOO_MANY_REQUESTS,
                    self.retry_after,
                )
            self._recent_sends.append(now)

    def _notify(self) -> None:
        """Wake every waiter to re-check its condition (each waits on the current event)."""
        self._changed.set()
        self._changed = asyncio.Event()

    # ------------------------------------------------------------------------ Bot API methods
    async def _get_updates(self, params: JSONDict) -> list[Any]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        updates = self._updates
        while updates and updates[0][0] < offset:
            updates.popleft()
        if not updates and timeout > 0 and not self._closing:
            self.long_polls += 1
            self._notify()
            try:
                with contextlib.suppress(TimeoutError):
                    await self.wait_until(lambda: bool(updates) or self._closing, timeout)
            finally:
                self.long_polls -= 1
        return [payload for _, payload in itertools.islice(updates, limit)]

    def _send_message(self, params: JSONDict) -> JSONDict:
        text = _rendered(params, "text", MAX_MESSAGE_LENGTH)
        return self._store_bot_message(params, {"text": text})

    def _send_photo(self, params: JSONDict) -> JSONDict:
        photo = params.get("photo")
        if isinstance(photo, UploadedFile):
            file_id = f"AgAC-photo-{next(self._file_ids)}"
            self._uploads[file_id] = photo
        elif isinstance(photo, str) and photo:
            file_id = photo
        else:
            raise TelegramRejection("Bad Request: there is no photo in the request")
        size = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "width": 800, "height": 600}
        content: JSONDict = {"photo": [size]}
        if params.get("caption"):
            content["caption"] = _rendered(params, "caption", MAX_CAPTION_LENGTH)
        return self._store_bot_message(params, content)

    def _get_file(self, params: JSONDict) -> JSONDict:
        file_id = str(params.get("file_id"))
        if file_id not in self._uploads:
            raise TelegramRejection("Bad Request: invalid file_id")
        size = len(self._uploads[file_id].content)
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": size,
            "file_path": f"photos/{file_id}",
        }

    def _edit_message_text(self, params: JSONDict) -> JSONDict | bool:
        if "inline_message_id" in params:
            return True
        message = self._message_to_edit(params)
        if "text" not in message:
            raise TelegramRejection("Bad Request: there is no text in the message to edit")
        text = _rendered(params, "text", MAX_MESSAGE_LENGTH)
        return self._apply_edit(message, {"text": text}, params)

    def _edit_message_caption(self, params: JSONDict) -> JSONDict | bool:
        if "inline_message_id" in params:
            return True
        message = self._message_to_edit(params)
        if "photo" not in message:
            raise TelegramRejection("Bad Request: there is no caption in the message to edit")
        caption = _rendered(params, "caption", MAX_CAPTION_LENGTH) if "caption" in params else ""
        return self._apply_edit(message, {"caption": caption}, params)

    def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        if "inline_message_id" in params:
            return True
        return self._apply_edit(self._message_to_edit(params), {}, params)

    def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._open_callback_queries:
            raise TelegramRejection(
                "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        self._open_callback_queries.discard(query_id)
        return True

    def _answer_inline_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("inline_query_id"))
        if query_id not in self._open_inline_queries:
            raise TelegramRejection("Bad Request: query is too old or query ID is invalid")
        results = params.get("results") or []
        if len(results) > 50:
            raise TelegramRejection("Bad Request: RESULTS_TOO_MUCH")
        ids = [result.get("id") for result in results]
        if len(set(ids)) != len(ids):
            raise TelegramRejection("Bad Request: RESULT_ID_DUPLICATE")
        for result in results:
            content = result.get("input_message_content") or {}
            if "message_text" in content:
                text = {"text": content["message_text"], "parse_mode": content.get("parse_mode")}
                _rendered(text, "text", MAX_MESSAGE_LENGTH)
            _check_markup(result.get("reply_markup"))
        self._open_inline_queries.discard(query_id)
        return True

    def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands") or []
        for command in commands:
            if not _COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise TelegramRejection("Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise TelegramRejection("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.command_menus[params.get("language_code", "")] = list(commands)
        return True

    def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        return self.command_menus.get(params.get("language_code", ""), [])

    def _delete_my_commands(self, params: JSONDict) -> bool:
        self.command_menus.pop(params.get("language_code", ""), None)
        return True

    def _set_description(self, field: str, limit: int, params: JSONDict) -> bool:
        text = str(params.get(field, ""))
        if len(text) > limit:
            raise TelegramRejection(f"Bad Request: {field.upper()}_TOO_LONG")
        texts = self.descriptions if field == "description" else self.short_descriptions
        texts[params.get("language_code", "")] = text
        return True

    def _delete_message(self, params: JSONDict) -> bool:
        chat_messages = self._messages[int(params["chat_id"])]
        if chat_messages.pop(int(params["message_id"]), None) is None:
            raise TelegramRejection("Bad Request: message to delete not found")
        return True

    # ------------------------------------------------------------------------ message store
    def _store_bot_message(self, params: JSONDict, content: JSONDict) -> JSONDict:
        chat_id = int(params["chat_id"])
        markup = _check_markup(params.get("reply_markup"))
        message = {
            "message_id": self._new_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id, "private"),
            "from": self.bot_user,
            **content,
        }
        if markup:
            message["reply_markup"] = markup
        self._messages[chat_id][message["message_id"]] = message
        return message

    def _message_to_edit(self, params: JSONDict) -> JSONDict:
        chat_messages = self._messages[int(params.get("chat_id") or 0)]
        message = chat_messages.get(int(params.get("message_id") or 0))
        if message is None:
            raise TelegramRejection("Bad Request: message to edit not found")
        return message

    def _apply_edit(self, message: JSONDict, content: JSONDict, params: JSONDict) -> JSONDict:
        markup = _check_markup(params.get("reply_markup"))
        edited = {**message, **content, "edit_date": int(time.time())}
        edited.pop("reply_markup", None)
        if markup:
            edited["reply_markup"] = markup
        unchanged = all(message.get(key) == value for key, value in content.items())
        if unchanged and message.get("reply_markup") == edited.get("reply_markup"):
            raise TelegramRejection(
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message"
            )
        self._messages[message["chat"]["id"]][message["message_id"]] = edited
        return edited

    def _new_message_id(self, chat_id: int) -> int:
        self._next_message_id[chat_id] += 1
        return self._next_message_id[chat_id]

    def _chat(self, chat_id: int, chat_type: str) -> JSONDict:
        if chat_id not in self._chats:
            name = (
                {"first_name": "Tester"}
                if chat_type == "private"
                else {"title": f"Group {chat_id}"}
            )
            self._chats[chat_id] = {"id": chat_id, "type": chat_type, **name}
        return dict(self._chats[chat_id])  # a copy: a test may edit the update it was given

    def _user(self, user_id: int) -> JSONDict:
        language_code = self.language_codes.get(user_id, "en")
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": "Tester",
            "language_code": language_code,
        }

    def _user_message(
        self, chat_id: int, user_id: int | None, chat_type: str, content: JSONDict
    ) -> JSONDict:
        sender = user_id if user_id is not None else (chat_id if chat_type == "private" else 4242)
        message = {
            "message_id": self._new_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id, chat_type),
            "from": self._user(sender),
            **content,
        }
        self._messages[chat_id][message["message_id"]] = message
        return message


# ---------------------------------------------------------------------------- pure helpers
def _texts_in(payload: Any) -> list[str]:
    """The ``text`` and ``query`` strings anywhere in an update."""
    if isinstance(payload, dict):
        found = [v for k, v in payload.items() if k in ("text", "query") and isinstance(v, str)]
        return found + [text for value in payload.values() for text in _texts_in(value)]
    if isinstance(payload, list):
        return [text for value in payload for text in _texts_in(value)]
    return []


def error_result(status: int, description: str, retry_after: int | None = None) -> Result:
    """Telegram's error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""
    payload: JSONDict = {"ok": False, "error_code": int(status), "description": description}
    if retry_after is not None:
        payload["parameters"] = {"retry_after": retry_after}
    return status, payload


def form_value(name: str, value: str) -> Any:
    """Form fields carry JSON for objects and numbers; text fields stay strings."""
    if _STRING_FIELD.fullmatch(name):
        return value
    if value[:1] in set("{[-0123456789") or value in ("true", "false", "null"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def telegram_html_to_text(text: str) -> str:
    """What the user sees for an HTML-formatted message; ValueError where Telegram says 400."""
    pieces: list[str] = []
    open_tags: list[str] = []
    position = 0
    for token in _HTML_TOKEN.finditer(text):
        pieces.append(text[position : token.start()])
        position = token.end()
        closing, name, _, entity = token.groups()
        if name is not None:
            name = name.lower()
            if not _ALLOWED_HTML_TAG.fullmatch(name):
                raise ValueError(f'Unsupported start tag "{name}" at byte offset {token.start()}')
            if not closing:
                open_tags.append(name)
            elif not open_tags or open_tags.pop() != name:
                raise ValueError(f'Unmatched end tag "{name}" at byte offset {token.start()}')
        elif entity is not None:
            pieces.append(html.unescape(token.group(0)))
        else:
            raise ValueError(
                f"Unsupported character {token.group(0)!r} at byte offset {token.start()}"
            )
    if open_tags:
        raise ValueError(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    pieces.append(text[position:])
    return "".join(pieces)


def utf16_length(text: str) -> int:
    """Telegram measures text in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _rendered(params: JSONDict, name: str, limit: int) -> str:
    raw = str(params.get(name) or "")
    text = raw
    if params.get("parse_mode") == "HTML":
        try:
            text = telegram_html_to_text(raw)
        except ValueError as problem:
            raise TelegramRejection(f"Bad Request: can't parse entities: {problem}") from None
    if not text.strip():
        raise TelegramRejection(f"Bad Request: message {name} is empty")
    if utf16_length(text) > limit:
        what = "message" if name == "text" else "message caption"
        raise TelegramRejection(f"Bad Request: {what} is too long")
    return text


def _check_markup(markup: Any) -> JSONDict | None:
    """The inline keyboard Telegram would echo back, after checking its buttons."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            if not button.get("text"):
                raise TelegramRejection("Bad Request: text buttons are unallowed in the keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise TelegramRejection("Bad Request: BUTTON_DATA_INVALID")
    return markup if markup["inline_keyboard"] else None


def _entities_for(text: str) -> list[JSONDict]:
    entities = []
    command = _COMMAND.match(text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_length(command[0])})
    for mention in _MENTION.finditer(text):
        if command and mention.start() < command.end():
            continue
        offset = utf16_length(text[: mention.start()])
        entities.append({"type": "mention", "offset": offset, "length": utf16_length(mention[0])})
    return entities
