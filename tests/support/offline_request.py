"""A python-telegram-bot request object that answers from the fake Bot API without sockets.

Handler tests and the throughput benchmark run the real ``Application`` (filters, handlers,
rate limiter, error handler) but replace HTTP with a direct call into ``BotApi.call``, so
they are fast, deterministic and still as strict as Telegram about what the bot sends. Requests
carry the same form values PTB would post, so the fake decodes them exactly as it does over HTTP.
"""

import json
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.config import Settings
from bot.engine import Engine
from bot.storage import Store
from bot.telegram.app import build_application
from tests.support.bot_api import BotApi, UploadedFile, form_value

TOKEN = "123456789:AAHfakeTokenForTests_only-0123456789ab"


class OfflineRequest(BaseRequest):
    def __init__(self, api: BotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        params: dict[str, Any] = {}
        if request_data is not None:
            params = {
                name: form_value(name, value)
                for name, value in request_data.json_parameters.items()
            }
            for name, (filename, content, mime_type) in request_data.multipart_data.items():
                data = content if isinstance(content, bytes) else content.read()
                params[name] = UploadedFile(filename or name, mime_type or "", data)
        status, payload = await self.api.call(url.rsplit("/", 1)[-1], params)
        return status, json.dumps(payload).encode()


async def deliver_pending(application: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """Process every update queued on the fake, in order, as polling would; returns how many."""
    request = application.bot.request
    assert isinstance(request, OfflineRequest), "the application must use an OfflineRequest"
    updates = request.api.take_updates()
    for payload in updates:
        await application.process_update(Update.de_json(payload, application.bot))
    return len(updates)


def offline_application(
    engine: Engine, store: Store, api: BotApi, settings: Settings | None = None, **options: Any
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot's own application, wired as in production, with ``api`` answering every call."""
    return build_application(
        settings or Settings(token=TOKEN, data_dir=store.data_dir),
        engine,
        store,
        request=OfflineRequest(api),
        **options,
    )
