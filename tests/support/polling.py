"""The bot's own application polling a fake Bot API over HTTP, as ``run_polling`` runs it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.engine import Engine
from bot.storage import Store
from bot.telegram.app import build_application
from tests.support.fake_bot_api import FakeBotApi

POLL_SECONDS = 1


@asynccontextmanager
async def polling_application(
    api: FakeBotApi, engine: Engine, store: Store, token: str, **settings: Any
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """Started on ``store``, with its start-up work done; stopped (post_stop included) and the
    store closed on exit. ``settings`` add to the token, the fake's URL and the data folder."""
    api_url = f"http://127.0.0.1:{api.port}"
    configured = Settings(token=token, api_url=api_url, data_dir=store.data_dir, **settings)
    application = build_application(configured, engine, store)
    async with application:
        assert application.post_init is not None
        assert application.post_stop is not None
        assert application.updater is not None
        await application.post_init(application)
        await application.updater.start_polling(
            timeout=timedelta(seconds=POLL_SECONDS), allowed_updates=Update.ALL_TYPES
        )
        await application.start()
        yield application
        await application.updater.stop()
        await application.stop()
        await application.post_stop(application)
    store.close()
