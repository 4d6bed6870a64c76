"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests and benchmarks.

The real python-telegram-bot client talks real HTTP to it, so tests exercise the request
encoding, retries and rate limiting that an offline request object would skip. What it answers
(Telegram's strictness, the fault injection: ``fail_next``, ``outage``, ``block_chat``, the send
limit, ``push_raw_update``) is ``tests.support.bot_api.BotApi``; this module only serves it with
tornado: ``/bot<token>/<method>`` calls a method (form, multipart or JSON body) and
``/file/bot<token>/<file_path>`` downloads what getFile describes.

Usage::

    async with FakeBotApi() as api:
        application = ApplicationBuilder().token("123:abc").base_url(api.base_url)...
        api.push_message(chat_id=42, text="/start")
        call = await api.wait_for_call("sendMessage")

Any token is accepted unless ``valid_token`` is given (then others answer 401, like Telegram).
"""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus
from types import TracebackType
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

from tests.support.bot_api import ApiCall as ApiCall  # re-exported for the tests
from tests.support.bot_api import BotApi, JSONDict, UploadedFile, error_result, form_value
from tests.support.bot_api import telegram_html_to_text as telegram_html_to_text


class FakeBotApi(BotApi):
    """``BotApi`` over HTTP; start it with ``async with`` or ``start()``/``stop()``."""

    port = 0
    _server: HTTPServer | None = None
    _serving: set[asyncio.Task[Any]]  # the tasks answering requests, awaited by stop()

    async def start(self) -> None:
        self._serving = set()
        routes = [(r"/bot([^/]+)/(\w+)", _MethodHandler), (r"/file/bot([^/]+)/(.+)", _FileHandler)]
        application = Application(
            [(pattern, handler, {"api": self}) for pattern, handler in routes],
            default_handler_class=_Handler,
            default_handler_args={"api": self},
            log_function=lambda handler: None,  # the access log would show the token
        )
        sockets = bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._server = HTTPServer(application)
        self._server.add_sockets(sockets)

    async def stop(self) -> None:
        if self._server is None:
            return
        self.release_long_polls()
        self._server.stop()
        while self._serving:  # let every answer go out, so no task outlives the event loop
            await asyncio.wait(set(self._serving))
        await self._server.close_all_connections()
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


class _Handler(RequestHandler):
    """Any other path answers 404; a token Telegram would refuse answers 401."""

    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    def prepare(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.api._serving.add(task)
            task.add_done_callback(self.api._serving.discard)
        if not self.path_args:
            self.answer(*error_result(HTTPStatus.NOT_FOUND, "Not Found"))
        elif self.api.valid_token not in (None, self.path_args[0]):
            self.answer(*error_result(HTTPStatus.UNAUTHORIZED, "Unauthorized"))

    def answer(self, status: int, payload: JSONDict) -> None:
        self.set_status(status)
        self.finish(payload)


class _MethodHandler(_Handler):
    async def post(self, token: str, method: str) -> None:
        request = self.request
        fields = {**request.query_arguments, **request.body_arguments}
        params = {name: form_value(name, values[-1].decode()) for name, values in fields.items()}
        for name, files in request.files.items():
            params[name] = UploadedFile(files[-1].filename, files[-1].content_type, files[-1].body)
        if request.headers.get("Content-Type", "").startswith("application/json") and request.body:
            params.update(json.loads(request.body))
        self.answer(*await self.api.call(method, params))

    get = post


class _FileHandler(_Handler):
    def get(self, token: str, file_path: str) -> None:
        content = self.api.file_content(file_path)
        if content is None:
            self.answer(*error_result(HTTPStatus.NOT_FOUND, "Not Found: file not found"))
        else:
            self.finish(content)
