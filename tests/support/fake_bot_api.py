"""A small fake Telegram Bot API server on 127.0.0.1 for end-to-end tests and benchmarks.

The real python-telegram-bot client talks real HTTP to it, so tests exercise the request
encoding, retries and rate limiting that an offline request object would skip. Where a bot
commonly goes wrong the fake is as strict as Telegram: HTML entity parsing, the 4,096-character
message limit, the 64-byte callback data limit, "message is not modified" on a no-op edit and
stale callback query ids. Faults can be injected: a per-second send limit answered with 429 and
``retry_after``, a queue of forced error responses (e.g. a 502 burst), and 403 "bot was blocked
by the user" for chosen chats.

Usage::

    async with FakeBotApi() as api:
        application = ApplicationBuilder().token("123:abc").base_url(api.base_url)...
        api.push_message(chat_id=42, text="/start")
        call = await api.wait_for_call("sendMessage")

Any token is accepted unless ``valid_token`` is given (then others answer 401, like Telegram).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

JSONDict = dict[str, Any]
Result = tuple[int, JSONDict]

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64

# Methods that count towards the send limit and that forced faults hit by default.
SENDING_PREFIXES = ("send", "edit", "answer", "copy", "forward", "delete")

# Form fields that are always plain strings, even when they look like JSON ("5", "[x]", "true").
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "query",
        "callback_query_id",
        "inline_query_id",
        "parse_mode",
        "secret_token",
        "url",
        "next_offset",
        "description",
        "short_description",
        "language_code",
        "photo",
        "document",
        "inline_message_id",
    }
)

_ALLOWED_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    }
)
_HTML_TOKEN = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>"  # a tag
    r"|&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);"  # an entity
    r"|[<&]"  # a bare < or & (invalid)
)
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?")
_MENTION = re.compile(r"@[A-Za-z0-9_]{5,32}")
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")

_MEDIA_PAYLOADS: dict[str, JSONDict] = {
    "sticker": {
        "sticker": {
            "file_id": "sticker-file",
            "file_unique_id": "sticker-unique",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "🦶",
        }
    },
    "photo": {
        "photo": [
            {"file_id": "photo-file", "file_unique_id": "photo-unique", "width": 90, "height": 90}
        ]
    },
    "voice": {"voice": {"file_id": "voice-file", "file_unique_id": "voice-unique", "duration": 2}},
    "location": {"location": {"latitude": 48.8566, "longitude": 2.3522}},
    "document": {
        "document": {
            "file_id": "document-file",
            "file_unique_id": "document-unique",
            "file_name": "feet.pdf",
        }
    },
}


class TelegramRejection(Exception):
    """A request Telegram itself would refuse; carries the HTTP status and description."""

    def __init__(
        self,
        description: str,
        status: int = HTTPStatus.BAD_REQUEST,
        retry_after: int | None = None,
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
    at: float  # time.monotonic() when the answer was sent

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
    remaining: int
    retry_after: int | None

    def applies_to(self, method: str) -> bool:
        if self.methods is None:
            return method.startswith(SENDING_PREFIXES)
        return method in self.methods


@dataclass(frozen=True)
class _HttpRequest:
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class _State:
    """Everything the fake remembers between requests."""

    updates: deque[JSONDict] = field(default_factory=deque)
    # chat id -> message id -> message, in the order the messages were sent
    messages: defaultdict[int, dict[int, JSONDict]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    chats: dict[int, JSONDict] = field(default_factory=dict)
    next_message_id: Counter[int] = field(default_factory=Counter)
    open_callback_queries: set[str] = field(default_factory=set)
    open_inline_queries: set[str] = field(default_factory=set)
    commands: list[JSONDict] = field(default_factory=list)


class FakeBotApi:
    """The fake server; start it with ``async with`` or ``start()``/``stop()``."""

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
        self.valid_token = valid_token
        self.send_limit_per_second = send_limit_per_second
        self.retry_after = retry_after
        self.calls: list[ApiCall] = []
        self.blocked_chats: set[int] = set()
        self._state = _State()
        self._faults: deque[_Fault] = deque()
        self._recent_sends: deque[float] = deque()
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._connections: set[asyncio.Task[None]] = set()
        self._closing = False
        self.port = 0

    # ----------------------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve_connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            # Let every connection handler finish, so none is cancelled with the event loop.
            await asyncio.gather(*self._connections, return_exceptions=True)
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder.base_url``: holds ``{token}`` so PTB substitutes it."""
        return f"http://127.0.0.1:{self.port}/bot{{token}}"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot{{token}}"

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
        self._faults.append(_Fault(status, description, chosen, count, retry_after))

    def block_chat(self, chat_id: int) -> None:
        """Answer every call for this chat with 403, as when a user blocks the bot."""
        self.blocked_chats.add(chat_id)

    # ------------------------------------------------------------------------ pushing updates
    def push_update(self, payload: JSONDict) -> JSONDict:
        """Queue a raw update (``update_id`` is assigned); returns the full update."""
        update = {"update_id": next(self._update_ids), **payload}
        self._state.updates.append(update)
        self._notify()
        return update

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
        entities = _entities_for(text)
        if entities:
            message["entities"] = entities
        if reply_to_message_id is not None:
            message["reply_to_message"] = self._state.messages[chat_id][reply_to_message_id]
        return self.push_update({"message": message})

    def push_media(
        self, chat_id: int, kind: str, *, user_id: int | None = None, chat_type: str = "private"
    ) -> JSONDict:
        """A non-text message: kind is sticker, photo, voice, location or document."""
        message = self._user_message(chat_id, user_id, chat_type, dict(_MEDIA_PAYLOADS[kind]))
        return self.push_update({"message": message})

    def take_updates(self) -> list[JSONDict]:
        """Remove and return every queued update (to feed an application without polling)."""
        updates = list(self._state.updates)
        self._state.updates.clear()
        return updates

    def push_sticker(self, chat_id: int, *, user_id: int | None = None) -> JSONDict:
        return self.push_media(chat_id, "sticker", user_id=user_id)

    def push_edited(self, chat_id: int, message_id: int, text: str) -> JSONDict:
        """The user edits one of their earlier messages."""
        message = {**self._state.messages[chat_id][message_id], "text": text}
        message["edit_date"] = int(time.time())
        entities = _entities_for(text)
        if entities:
            message["entities"] = entities
        else:
            message.pop("entities", None)
        self._state.messages[chat_id][message_id] = message
        return self.push_update({"edited_message": message})

    def push_callback(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None
    ) -> JSONDict:
        """The user presses an inline button on a bot message."""
        query_id = f"cq{next(self._query_ids)}"
        self._state.open_callback_queries.add(query_id)
        message = self._state.messages[chat_id].get(message_id) or {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id, "private"),
            "from": self.bot_user,
        }
        return self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._user(user_id if user_id is not None else chat_id),
                    "chat_instance": f"ci{chat_id}",
                    "data": data,
                    "message": message,
                }
            }
        )

    def push_inline_query(self, user_id: int, query: str, *, offset: str = "") -> JSONDict:
        """The user types ``@bot query`` in any chat."""
        query_id = f"iq{next(self._query_ids)}"
        self._state.open_inline_queries.add(query_id)
        return self.push_update(
            {
                "inline_query": {
                    "id": query_id,
                    "from": self._user(user_id),
                    "query": query,
                    "offset": offset,
                    "chat_type": "private",
                }
            }
        )

    # ----------------------------------------------------------------------------- inspection
    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def counts(self) -> Counter[str]:
        """Calls per method, successful or not (for benchmarks)."""
        return Counter(call.method for call in self.calls)

    def message(self, chat_id: int, message_id: int) -> JSONDict:
        """The current state of a message (edits applied; text as the user sees it)."""
        return self._state.messages[chat_id][message_id]

    def bot_messages(self, chat_id: int) -> list[JSONDict]:
        """Messages the bot sent to a chat, oldest first, in their current state."""
        return [
            message
            for message in self._state.messages[chat_id].values()
            if message["from"]["id"] == self.bot_id
        ]

    @property
    def pending_updates(self) -> int:
        """Updates pushed but not yet confirmed by a later getUpdates offset."""
        return len(self._state.updates)

    @property
    def commands(self) -> list[JSONDict]:
        return list(self._state.commands)

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

        def find() -> ApiCall | None:
            for call in self.calls[since:]:
                if call.method == method and (predicate is None or predicate(call)):
                    return call
            return None

        try:
            await self.wait_until(lambda: find() is not None, within)
        except TimeoutError:
            seen = [call.method for call in self.calls[since:]]
            raise TimeoutError(f"no {method} call within {within}s; saw {seen}") from None
        found = find()
        assert found is not None
        return found

    # ------------------------------------------------------------------------ HTTP plumbing
    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._writers.add(writer)
        connection = asyncio.current_task()
        if connection is not None:
            self._connections.add(connection)
        try:
            while not self._closing:
                request = await _read_request(reader)
                if request is None:
                    break
                status, payload = await self._dispatch(request)
                writer.write(_http_response(status, payload))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            self._writers.discard(writer)
            self._connections.discard(connection)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _dispatch(self, request: _HttpRequest) -> Result:
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", request.path)
        if match is None:
            return _error(HTTPStatus.NOT_FOUND, "Not Found")
        token, method = match.groups()
        if self.valid_token is not None and token != self.valid_token:
            return _error(HTTPStatus.UNAUTHORIZED, "Unauthorized")
        return await self.call(method, _parse_params(request))

    async def call(self, method: str, params: JSONDict) -> Result:
        """Answer one Bot API call as (HTTP status, JSON payload), recording it."""
        status: int
        try:
            self._check_faults(method, params)
            result = await self._handle(method, params)
            status, payload = HTTPStatus.OK, {"ok": True, "result": result}
        except TelegramRejection as rejection:
            status, payload = _error(
                rejection.status, rejection.description, rejection.retry_after
            )
        self.calls.append(ApiCall(method, params, status, time.monotonic()))
        self._notify()
        return status, payload

    def _check_faults(self, method: str, params: JSONDict) -> None:
        for fault in self._faults:
            if fault.applies_to(method):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                raise TelegramRejection(fault.description, fault.status, fault.retry_after)
        chat_id = params.get("chat_id")
        if chat_id is not None and int(chat_id) in self.blocked_chats:
            raise TelegramRejection("Forbidden: bot was blocked by the user", HTTPStatus.FORBIDDEN)
        if self.send_limit_per_second is not None and method.startswith(SENDING_PREFIXES):
            now = time.monotonic()
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
    async def _handle(self, method: str, params: JSONDict) -> Any:
        if method == "getUpdates":
            return await self._get_updates(params)
        handler = self._handlers().get(method)
        if handler is None:
            raise TelegramRejection("Not Found: method not found", HTTPStatus.NOT_FOUND)
        return handler(params)

    def _handlers(self) -> dict[str, Callable[[JSONDict], Any]]:
        harmless: Callable[[JSONDict], Any] = lambda params: True  # noqa: E731
        return {
            "getMe": lambda params: self.bot_user,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda params: self._state.commands,
            "deleteMyCommands": self._delete_my_commands,
            "deleteMessage": self._delete_message,
            "getWebhookInfo": lambda params: {"url": "", "pending_update_count": 0},
            "deleteWebhook": harmless,
            "setWebhook": harmless,
            "sendChatAction": harmless,
            "setChatMenuButton": harmless,
            "setMyDescription": harmless,
            "setMyShortDescription": harmless,
            "close": harmless,
            "logOut": harmless,
        }

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        updates = self._state.updates
        while updates and updates[0]["update_id"] < offset:
            updates.popleft()
        if not updates and timeout > 0 and not self._closing:
            with contextlib.suppress(TimeoutError):
                await self.wait_until(lambda: bool(updates) or self._closing, timeout)
        return list(itertools.islice(updates, limit))

    def _send_message(self, params: JSONDict) -> JSONDict:
        text = _rendered(params, "text", MAX_MESSAGE_LENGTH)
        return self._store_bot_message(params, {"text": text})

    def _send_photo(self, params: JSONDict) -> JSONDict:
        photo = params.get("photo")
        if isinstance(photo, UploadedFile):
            file_id = f"AgAC-photo-{next(self._file_ids)}"
        elif isinstance(photo, str) and photo:
            file_id = photo
        else:
            raise TelegramRejection("Bad Request: there is no photo in the request")
        content: JSONDict = {
            "photo": [
                {"file_id": file_id, "file_unique_id": f"u-{file_id}", "width": 800, "height": 600}
            ]
        }
        if params.get("caption"):
            content["caption"] = _rendered(params, "caption", MAX_CAPTION_LENGTH)
        return self._store_bot_message(params, content)

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
        if query_id not in self._state.open_callback_queries:
            raise TelegramRejection(
                "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        self._state.open_callback_queries.discard(query_id)
        return True

    def _answer_inline_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("inline_query_id"))
        if query_id not in self._state.open_inline_queries:
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
                _rendered(
                    {"text": content["message_text"], "parse_mode": content.get("parse_mode")},
                    "text",
                    MAX_MESSAGE_LENGTH,
                )
            _check_markup(result.get("reply_markup"))
        self._state.open_inline_queries.discard(query_id)
        return True

    def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands") or []
        for command in commands:
            if not _COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise TelegramRejection("Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise TelegramRejection("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self._state.commands = list(commands)
        return True

    def _delete_my_commands(self, params: JSONDict) -> bool:
        self._state.commands = []
        return True

    def _delete_message(self, params: JSONDict) -> bool:
        chat_messages = self._state.messages[int(params["chat_id"])]
        if chat_messages.pop(int(params["message_id"]), None) is None:
            raise TelegramRejection("Bad Request: message to delete not found")
        return True

    # ------------------------------------------------------------------------ message store
    def _store_bot_message(self, params: JSONDict, content: JSONDict) -> JSONDict:
        chat_id = int(params["chat_id"])
        markup = _check_markup(params.get("reply_markup"))
        message = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id, "private"),
            "from": self.bot_user,
            **content,
        }
        if markup:
            message["reply_markup"] = markup
        self._state.messages[chat_id][message["message_id"]] = message
        return message

    def _message_to_edit(self, params: JSONDict) -> JSONDict:
        chat_messages = self._state.messages[int(params.get("chat_id") or 0)]
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
        self._state.messages[message["chat"]["id"]][message["message_id"]] = edited
        return edited

    def _next_message_id(self, chat_id: int) -> int:
        self._state.next_message_id[chat_id] += 1
        return self._state.next_message_id[chat_id]

    def _chat(self, chat_id: int, chat_type: str) -> JSONDict:
        if chat_id not in self._state.chats:
            chat: JSONDict = {"id": chat_id, "type": chat_type}
            if chat_type == "private":
                chat["first_name"] = "Tester"
            else:
                chat["title"] = f"Group {chat_id}"
            self._state.chats[chat_id] = chat
        return self._state.chats[chat_id]

    @staticmethod
    def _user(user_id: int) -> JSONDict:
        return {"id": user_id, "is_bot": False, "first_name": "Tester", "language_code": "en"}

    def _user_message(
        self, chat_id: int, user_id: int | None, chat_type: str, content: JSONDict
    ) -> JSONDict:
        sender = user_id if user_id is not None else (chat_id if chat_type == "private" else 4242)
        message = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id, chat_type),
            "from": self._user(sender),
            **content,
        }
        self._state.messages[chat_id][message["message_id"]] = message
        return message


# ---------------------------------------------------------------------------- pure helpers
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
            if name not in _ALLOWED_HTML_TAGS:
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
        entities.append(
            {
                "type": "mention",
                "offset": utf16_length(text[: mention.start()]),
                "length": utf16_length(mention[0]),
            }
        )
    return entities


def _error(status: int, description: str, retry_after: int | None = None) -> Result:
    payload: JSONDict = {"ok": False, "error_code": int(status), "description": description}
    if retry_after is not None:
        payload["parameters"] = {"retry_after": retry_after}
    return status, payload


async def _read_request(reader: asyncio.StreamReader) -> _HttpRequest | None:
    request_line = await reader.readline()
    if not request_line.strip():
        return None
    _, target, _ = request_line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        line = (await reader.readline()).decode("latin-1").strip()
        if not line:
            break
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = await _read_chunked(reader)
    else:
        body = await reader.readexactly(int(headers.get("content-length") or 0))
    parts = urlsplit(target)
    return _HttpRequest(parts.path, parts.query, headers, body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
        if size == 0:
            await reader.readline()
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


def _http_response(status: int, payload: JSONDict) -> bytes:
    body = json.dumps(payload).encode()
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: keep-alive\r\n\r\n"
    )
    return head.encode("latin-1") + body


def _parse_params(request: _HttpRequest) -> JSONDict:
    """Form-encoded, multipart and JSON bodies (and the query string) into one dict."""
    params: JSONDict = {name: form_value(name, value) for name, value in parse_qsl(request.query)}
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json") and request.body:
        params.update(json.loads(request.body))
    elif content_type.startswith("multipart/form-data"):
        boundary = content_type.split("boundary=", 1)[1].strip('"')
        params.update(_parse_multipart(request.body, boundary))
    elif request.body:
        decoded = request.body.decode()
        params.update(
            (name, form_value(name, value))
            for name, value in parse_qsl(decoded, keep_blank_values=True)
        )
    return params


def _parse_multipart(body: bytes, boundary: str) -> JSONDict:
    params: JSONDict = {}
    for part in body.split(b"--" + boundary.encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (
                line.partition(":") for line in head.decode("utf-8").splitlines() if line
            )
        }
        disposition = headers.get("content-disposition", "")
        name_match = re.search(r'\bname="([^"]*)"', disposition)
        if name_match is None:
            continue
        file_match = re.search(r'\bfilename="([^"]*)"', disposition)
        if file_match is None:
            params[name_match[1]] = form_value(name_match[1], content.decode())
        else:
            params[name_match[1]] = UploadedFile(
                file_match[1], headers.get("content-type", "application/octet-stream"), content
            )
    return params


def form_value(name: str, value: str) -> Any:
    """Form fields carry JSON for objects and numbers; text fields stay strings."""
    if name in _STRING_FIELDS:
        return value
    if value[:1] in set("{[-0123456789") or value in ("true", "false", "null"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
