"""Webhook mode: updates posted to the bot's URL are answered only when they carry the secret."""

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.config import Settings
from bot.engine import Engine
from bot.storage import Store
from bot.telegram.app import build_application, webhook_options
from tests.support.fake_bot_api import FakeBotApi

TOKEN = "987654321:AAWebhookTokenForTheTestsOnly_0123456"
SECRET = "the-webhook-secret"
CHAT = 777
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(valid_token=TOKEN) as server:
        yield server


@pytest.fixture
async def webhook_url(api: FakeBotApi, engine: Engine, tmp_path: Path) -> AsyncIterator[str]:
    port = free_port()
    settings = Settings(
        token=TOKEN,
        api_url=f"http://127.0.0.1:{api.port}",
        data_dir=tmp_path,
        webhook_url=f"http://127.0.0.1:{port}/footbot",
        webhook_secret=SECRET,
        port=port,
    )
    store = Store.open(tmp_path)
    application = build_application(settings, engine, store)
    async with application:
        assert application.updater is not None
        # The tests listen on loopback only; production listens on every interface.
        await application.updater.start_webhook(
            **{**webhook_options(settings), "listen": "127.0.0.1"}
        )
        await application.start()
        yield str(settings.webhook_url)
        await application.updater.stop()
        await application.stop()
    store.close()


def an_update(api: FakeBotApi, text: str) -> dict[str, object]:
    api.push_message(CHAT, text)
    (update,) = api.take_updates()
    return dict(update)


async def test_an_update_with_the_secret_is_answered(
    api: FakeBotApi, webhook_url: str, engine: Engine
) -> None:
    mark = api.mark()
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            webhook_url,
            json=an_update(api, "Which oil should I use?"),
            headers={SECRET_HEADER: SECRET},
        )
    assert response.status_code == 200
    call = await api.wait_for_call("sendMessage", since=mark, within=20)
    assert call.params["text"]
    assert api.bot_messages(CHAT)[-1]["text"] == engine.answer("Which oil should I use?").text


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "guess"}])
async def test_an_update_without_the_right_secret_is_refused(
    api: FakeBotApi, webhook_url: str, headers: dict[str, str]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(webhook_url, json=an_update(api, "hi"), headers=headers)
    assert response.status_code == 403
    assert api.calls_to("sendMessage") == []


def test_webhook_mode_needs_a_url() -> None:
    with pytest.raises(ValueError, match="WEBHOOK_URL"):
        webhook_options(Settings(token=TOKEN))


def test_without_a_configured_secret_each_start_gets_a_random_one() -> None:
    settings = Settings(token=TOKEN, webhook_url="https://example.org/footbot")
    first, second = webhook_options(settings), webhook_options(settings)
    assert first["secret_token"] != second["secret_token"]
    assert first["url_path"] == "footbot"
