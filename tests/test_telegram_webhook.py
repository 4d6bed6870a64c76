"""Webhook mode: updates posted to the bot's URL are answered only when they carry the secret."""

import asyncio
import copy
import signal
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.config import Settings
from bot.engine import Engine
from bot.telegram.app import build_application, webhook_options
from bot.telegram.webhook import MAX_BODY_BYTES, SECRET_HEADER, WebhookServer
from tests.support.bot_process import start_bot_process, stop_bot_process
from tests.support.fake_bot_api import FakeBotApi
from tests.support.stores import Stores

TOKEN = "987654321:AAWebhookTokenForTheTestsOnly_0123456"
SECRET = "the-webhook-secret"
CHAT = 777


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
async def webhook_url(
    api: FakeBotApi, engine: Engine, stores: Stores, tmp_path: Path
) -> AsyncIterator[str]:
    port = free_port()
    settings = Settings(
        token=TOKEN,
        api_url=f"http://127.0.0.1:{api.port}",
        data_dir=tmp_path,
        webhook_url=f"http://127.0.0.1:{port}/footbot",
        webhook_secret=SECRET,
        webhook_listen="127.0.0.1",
        port=port,
    )
    store = stores.open(tmp_path)
    application = build_application(settings, engine, store)
    options = webhook_options(settings)
    server = WebhookServer(application, options["url_path"], options["secret_token"])
    async with application:
        server.start(options["listen"], options["port"])
        await application.start()
        yield str(settings.webhook_url)
        await server.stop()
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


async def test_a_body_that_is_not_json_is_a_400(webhook_url: str) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            webhook_url, content=b"{not json", headers={SECRET_HEADER: SECRET}
        )
    assert response.status_code == 400


async def test_an_update_the_library_cannot_read_is_acknowledged_and_skipped(
    api: FakeBotApi, webhook_url: str, engine: Engine
) -> None:
    poison = copy.deepcopy(an_update(api, "a message from a chat without a type"))
    del poison["message"]["chat"]["type"]  # type: ignore[index]
    async with httpx.AsyncClient(timeout=10) as client:
        skipped = await client.post(webhook_url, json=poison, headers={SECRET_HEADER: SECRET})
        answered = await client.post(
            webhook_url, json=an_update(api, "/help"), headers={SECRET_HEADER: SECRET}
        )
    assert (skipped.status_code, answered.status_code) == (200, 200)
    await api.wait_for_call("sendMessage", within=20)
    assert [m["text"] for m in api.bot_messages(CHAT)] == [engine.text("help")]


@pytest.mark.parametrize(("secret", "status"), [("guess", 403), (SECRET, 413)])
async def test_a_huge_body_is_refused_from_its_headers_before_it_is_read(
    webhook_url: str, secret: str, status: int
) -> None:
    host, _, rest = webhook_url.removeprefix("http://").partition("/")
    address, port = host.split(":")
    reader, writer = await asyncio.open_connection(address, int(port))
    writer.write(
        f"POST /{rest} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"{SECRET_HEADER}: {secret}\r\nContent-Length: {90 * 2**20}\r\n\r\n".encode()
        + b"{" * 1024
    )
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    await writer.wait_closed()
    assert int(status_line.split()[1]) == status
    assert MAX_BODY_BYTES < 90 * 2**20


def test_webhook_mode_needs_a_url() -> None:
    with pytest.raises(ValueError, match="WEBHOOK_URL"):
        webhook_options(Settings(token=TOKEN))


def test_without_a_configured_secret_each_start_gets_a_random_one() -> None:
    settings = Settings(token=TOKEN, webhook_url="https://example.org/footbot")
    first, second = webhook_options(settings), webhook_options(settings)
    assert first["secret_token"] != second["secret_token"]
    assert first["url_path"] == "footbot"


def test_the_listen_address_comes_from_webhook_listen() -> None:
    settings = Settings.from_env({"WEBHOOK_URL": "https://example.org/x", "WEBHOOK_LISTEN": "::1"})
    assert webhook_options(settings)["listen"] == "::1"
    assert Settings().webhook_listen == "0.0.0.0"


async def test_the_bot_process_in_webhook_mode_registers_answers_and_stops_on_sigterm(
    api: FakeBotApi, engine: Engine, stores: Stores, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    process = await start_bot_process(
        api,
        tmp_path,
        TOKEN,
        stores=stores,
        WEBHOOK_URL=url,
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN="127.0.0.1",
        PORT=str(port),
    )
    try:
        registered = await api.wait_for_call("setWebhook", within=20)
        assert registered.params["secret_token"] == SECRET
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(
                url, json=an_update(api, "/help"), headers={SECRET_HEADER: SECRET}
            )
        assert response.status_code == 200
        await api.wait_for_call("sendMessage", within=20)
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 20)
    finally:
        await stop_bot_process(process)
    assert process.returncode == 0
    assert api.bot_messages(CHAT)[-1]["text"] == engine.text("help")
