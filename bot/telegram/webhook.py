"""Webhook mode's HTTP side: a small tornado server that hands Telegram's POSTs to the bot.

Why not python-telegram-bot's own webhook server: it reads a whole body into memory before it
checks the secret token (an anonymous 90 MB POST costs 180 MB), answers invalid JSON with a 500,
and answers an update it cannot parse with a 400, which makes Telegram send the same update again
and again. Here the secret token and the declared size are checked from the headers before any
of the body is read, bodies stop at ``MAX_BODY_BYTES``, invalid JSON is a 400, and an unreadable
update is acknowledged and skipped (bot/telegram/updates.py).

Several replicas may serve one URL behind a load balancer. Telegram sends an update again when
it did not get the 200 in time, and the retry may reach another replica, so each update id is
recorded in the shared store before the update is handled (``Store.first_delivery``): a repeat
is acknowledged and dropped, so an answer is never sent twice. The record is made before
handling, like the 200 itself, so an update is handled at most once.
"""

import hmac
import json
import time
from http import HTTPStatus
from typing import Any

import tornado.web
from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer

from bot.storage import Store
from bot.telegram.services import services
from bot.telegram.updates import readable_update

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; 1 MiB leaves room for the largest and stops the rest.
MAX_BODY_BYTES = 1 << 20

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)

    def initialize(self, bot_application: AnyApplication, secret: str) -> None:
        self.bot_application = bot_application
        self.secret = secret
        self.body = bytearray()

    def prepare(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        declared = self.request.headers.get("Content-Length", "0")
        if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)

    def data_received(self, chunk: bytes) -> None:
        if len(self.body) + len(chunk) > MAX_BODY_BYTES:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        self.body.extend(chunk)

    async def post(self) -> None:
        try:
            data = json.loads(self.body)
        except ValueError:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        bot = self.bot_application.bot
        readable = readable_update(data, bot)
        store = services(self.bot_application).store
        if readable is not None and await store.call(
            Store.first_delivery, readable["update_id"], int(time.time())
        ):
            await self.bot_application.update_queue.put(Update.de_json(readable, bot))
        self.set_status(HTTPStatus.OK)

    def log_exception(self, *args: Any) -> None:
        """Refusals are the expected answer to strangers; they need no traceback."""


class WebhookServer:
    """Serves ``path`` on ``listen:port`` until ``stop``."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        path: str,
        secret: str,
    ) -> None:
        routes = [
            (
                f"/{path.strip('/')}/?",
                UpdateHandler,
                {"bot_application": application, "secret": secret},
            )
        ]
        self._server = HTTPServer(
            tornado.web.Application(routes, log_function=lambda handler: None),
            max_body_size=MAX_BODY_BYTES,
        )

    def start(self, listen: str, port: int) -> None:
        self._server.listen(port, address=listen)

    async def stop(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()
