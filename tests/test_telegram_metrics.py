"""Metrics and health: what the operator scrapes from /metrics and what /healthz answers.

The health rules run on an injected clock; the end-to-end tests run the real application
against the fake Bot API over HTTP (in process for polling, as its own process for the webhook),
with a health window of two seconds so that an outage shows within seconds.
"""

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from telegram.error import NetworkError
from telegram.ext import Application, ExtBot

from bot.config import Settings
from bot.engine import Engine, Kind
from bot.reminders.plan import set_reminder
from bot.storage import Store
from bot.telegram.app import EXIT_CONFIG
from bot.telegram.delivery import Outgoing, Pacer, ReminderDelivery
from bot.telegram.health import Health, IdleProbe
from bot.telegram.metrics import Metrics
from bot.telegram.ratelimit import RetryingRateLimiter
from tests.support.bot_process import REPO, start_bot_process, stop_bot_process
from tests.support.fake_bot_api import FakeBotApi
from tests.support.keyboards import callback_data
from tests.support.polling import polling_application
from tests.support.stores import Stores

TOKEN = "987654321:AAMetricsTokenForTheTestsOnly_01234567"
CHAT = 424242
WINDOW = Settings().health_window
SHORT_WINDOW = 2.0  # seconds; the end-to-end bot's health window
WAIT = 60.0  # seconds; only reached when something is broken
DUE = datetime(2025, 6, 1, 19, 30, tzinfo=UTC)
FALLBACK = "my cat sings opera at midnight"
ANSWERED = "Which oil should I use?"
FOLLOW_UP = "how to warm the oil before I start"
SAFETY = "Is foot massage safe during pregnancy?"

JSONDict = dict[str, Any]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


class FakeBot:
    """Answers getMe, or fails it like an unreachable Bot API."""

    def __init__(self, metrics: Metrics, reachable: bool = True) -> None:
        self.metrics = metrics
        self.reachable = reachable
        self.get_me_calls = 0

    async def get_me(self) -> None:
        self.get_me_calls += 1
        if not self.reachable:
            raise NetworkError("connection refused")
        self.metrics.bot_api_succeeded()


class NoSleep:
    async def __call__(self, seconds: float) -> None:
        """Pace nothing."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def sample(metrics_text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in a Prometheus text exposition, or None if it is absent."""
    for family in text_string_to_metric_families(metrics_text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return None


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(stores: Stores, tmp_path: Path) -> Store:
    return stores.open(tmp_path)


@pytest.fixture
def metrics(clock: FakeClock) -> Metrics:
    return Metrics(clock=clock)


@pytest.fixture
def health(engine: Engine, store: Store, metrics: Metrics, clock: FakeClock) -> Health:
    return Health(engine, store, metrics, WINDOW, clock=clock)


# ----------------------------------------------------------------------------- settings
def test_metrics_are_served_only_with_metrics_port_and_on_the_loopback_by_default() -> None:
    assert Settings.from_env({}).metrics_port is None
    assert Settings.from_env({}).metrics_host == "127.0.0.1"
    chosen = Settings.from_env({"METRICS_PORT": "9100", "METRICS_HOST": "0.0.0.0"})
    assert (chosen.metrics_port, chosen.metrics_host) == (9100, "0.0.0.0")


# ----------------------------------------------------------------------------- health rules
async def test_health_is_ok_with_knowledge_a_writable_database_and_a_recent_bot_api_success(
    health: Health, metrics: Metrics, clock: FakeClock
) -> None:
    metrics.bot_api_succeeded()
    clock.now += WINDOW
    report = await health.report()
    assert report.healthy
    assert report.as_json() == {
        "status": "ok",
        "failing": [],
        "bot_api_seconds_since_success": WINDOW,
    }


async def test_health_fails_once_no_bot_api_call_has_succeeded_for_longer_than_the_window(
    health: Health, metrics: Metrics, clock: FakeClock
) -> None:
    metrics.bot_api_succeeded()
    clock.now += WINDOW + 0.5
    report = await health.report()
    assert not report.healthy
    assert report.as_json()["failing"] == ["bot_api"]


async def test_health_fails_before_the_first_bot_api_call_has_succeeded(health: Health) -> None:
    assert (await health.report()).as_json() == {
        "status": "failing",
        "failing": ["bot_api"],
        "bot_api_seconds_since_success": None,
    }


async def test_health_fails_when_the_database_cannot_take_a_write(
    health: Health, metrics: Metrics, store: Store
) -> None:
    metrics.bot_api_succeeded()
    store.close()
    assert (await health.report()).as_json()["failing"] == ["database"]


async def test_the_probe_asks_telegram_only_after_a_quarter_window_without_a_success(
    health: Health, metrics: Metrics, clock: FakeClock
) -> None:
    bot = FakeBot(metrics)
    probe = IdleProbe(health, bot)  # type: ignore[arg-type]
    await probe.probe_if_idle()
    assert bot.get_me_calls == 1  # nothing had succeeded yet
    clock.now += WINDOW / 4 - 1
    await probe.probe_if_idle()
    assert bot.get_me_calls == 1
    clock.now += 1
    await probe.probe_if_idle()
    assert bot.get_me_calls == 2
    assert health.seconds_since_bot_api_success() == 0


class Stop(Exception):
    """Ends a probe loop in a test."""


async def test_the_probe_loop_wakes_when_a_quarter_window_has_passed_since_the_last_success(
    health: Health, metrics: Metrics, clock: FakeClock
) -> None:
    quarter = WINDOW / 4
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds
        if len(slept) == 3:
            raise Stop

    metrics.bot_api_succeeded()  # a reply went out
    clock.now += 5
    bot = FakeBot(metrics)
    probe = IdleProbe(health, bot, sleep)  # type: ignore[arg-type]
    with pytest.raises(Stop):
        await probe.run()
    assert slept == [quarter - 5, quarter, quarter]
    assert bot.get_me_calls == 2


async def test_a_failed_probe_raises_nothing_and_lets_the_health_check_fail(
    health: Health, metrics: Metrics, clock: FakeClock
) -> None:
    metrics.bot_api_succeeded()
    bot = FakeBot(metrics, reachable=False)
    probe = IdleProbe(health, bot)  # type: ignore[arg-type]
    for _ in range(5):
        clock.now += WINDOW / 4
        await probe.probe_if_idle()
    assert bot.get_me_calls == 5
    assert (await health.report()).as_json()["failing"] == ["bot_api"]


# ----------------------------------------------------------------------------- counting
@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(valid_token=TOKEN) as server:
        yield server


@pytest.fixture
async def limited_bot(api: FakeBotApi, metrics: Metrics) -> AsyncIterator[ExtBot[Any]]:
    limiter = RetryingRateLimiter(metrics=metrics)
    client: ExtBot[Any] = ExtBot(TOKEN, base_url=api.base_url, rate_limiter=limiter)
    async with client:
        yield client


def too_many(api: FakeBotApi) -> None:
    """One 429 as Telegram sends it: python-telegram-bot reads one without a ``retry_after``
    (or with 0) as a plain network error, so the shortest real wait is a second."""
    api.fail_next(1, status=HTTPStatus.TOO_MANY_REQUESTS, description="Too Many", retry_after=1)


def subscribe(store: Store, *chat_ids: int) -> None:
    store.save_many(
        set_reminder(None, chat_id, time(21, 30), "Europe/Paris", DUE - timedelta(hours=2))
        for chat_id in chat_ids
    )


def delivery(store: Store, metrics: Metrics, lag: timedelta) -> ReminderDelivery:
    return ReminderDelivery(
        store,
        lambda item, language: Outgoing(f"tip {item.tip_number}"),
        clock=lambda: DUE + lag,
        pacer=Pacer(28.0, NoSleep(), clock=lambda: 0.0),
        metrics=metrics,
    )


async def test_reminders_are_counted_by_outcome_with_their_lag_and_their_429s(
    api: FakeBotApi, limited_bot: ExtBot[Any], store: Store, metrics: Metrics
) -> None:
    subscribe(store, 1, 2, 3)
    api.block_chat(2)
    too_many(api)
    sender = delivery(store, metrics, lag=timedelta(seconds=7))
    await sender.tick(limited_bot)
    await sender.drain()
    assert value(metrics, "footbot_reminders_total", outcome="sent") == 2
    assert value(metrics, "footbot_reminders_total", outcome="blocked") == 1
    assert value(metrics, "footbot_reminders_total", outcome="failed") == 0
    assert value(metrics, "footbot_rate_limited_total", sender="reminders") == 1
    assert value(metrics, "footbot_rate_limited_total", sender="other") == 0
    assert value(metrics, "footbot_reminder_lag_seconds_sum") == 14
    assert value(metrics, "footbot_reminder_lag_seconds_bucket", le="10.0") == 2
    assert value(metrics, "footbot_reminder_lag_seconds_bucket", le="5.0") == 0


async def test_a_reminder_telegram_refuses_is_counted_as_failed(
    api: FakeBotApi, limited_bot: ExtBot[Any], store: Store, metrics: Metrics
) -> None:
    subscribe(store, 1)
    api.fail_next(1, status=HTTPStatus.BAD_REQUEST, description="Bad Request: chat not found")
    sender = delivery(store, metrics, lag=timedelta(0))
    await sender.tick(limited_bot)
    await sender.drain()
    assert value(metrics, "footbot_reminders_total", outcome="failed") == 1
    assert value(metrics, "footbot_reminders_total", outcome="sent") == 0


async def test_a_429_on_a_reply_counts_as_other_and_every_success_is_recorded(
    api: FakeBotApi, limited_bot: ExtBot[Any], metrics: Metrics, clock: FakeClock
) -> None:
    too_many(api)
    clock.now += 5
    await limited_bot.send_message(CHAT, "hello")
    assert value(metrics, "footbot_rate_limited_total", sender="other") == 1
    assert value(metrics, "footbot_rate_limited_total", sender="reminders") == 0
    assert metrics.last_bot_api_success == clock.now
    assert value(metrics, "footbot_bot_api_last_success_timestamp_seconds") == clock.now


# ----------------------------------------------------------------------------- end to end
@pytest.fixture
async def polling_bot(
    api: FakeBotApi, engine: Engine, stores: Stores, tmp_path: Path
) -> AsyncIterator[tuple[Application, str]]:
    """The bot polling the fake Bot API, with /metrics and /healthz on a port of its own."""
    port = free_port()
    async with polling_application(
        api, engine, stores.open(tmp_path), TOKEN, metrics_port=port, health_window=SHORT_WINDOW
    ) as application:
        yield application, f"http://127.0.0.1:{port}"


async def reply_count(api: FakeBotApi, count: int) -> list[JSONDict]:
    await api.wait_until(lambda: len(api.bot_messages(CHAT)) >= count, WAIT)
    return api.bot_messages(CHAT)


async def press(api: FakeBotApi, message: JSONDict, label: str) -> None:
    edits = len(api.calls_to("editMessageReplyMarkup"))
    api.push_callback(CHAT, message["message_id"], callback_data(message, label))
    await api.wait_until(lambda: len(api.calls_to("editMessageReplyMarkup")) > edits, WAIT)


async def test_metrics_count_a_conversation_and_health_fails_within_seconds_of_an_outage(
    api: FakeBotApi,
    polling_bot: tuple[Application, str],
    engine: Engine,
    stores: Stores,
    tmp_path: Path,
) -> None:
    """The must-show conversation: a fallback, an answer, a 👎 and its follow-up, a 👍."""
    _, monitoring_url = polling_bot
    api.push_message(CHAT, "/start")
    api.push_message(CHAT, FALLBACK)
    api.push_message(CHAT, ANSWERED)
    *_, answer = await reply_count(api, 3)
    await press(api, answer, engine.text("feedback_unhelpful"))
    await reply_count(api, 4)  # what were you looking for?
    api.push_message(CHAT, FOLLOW_UP)
    api.push_message(CHAT, SAFETY)
    *_, safety_answer = await reply_count(api, 6)
    await press(api, safety_answer, engine.text("feedback_helpful"))

    async with httpx.AsyncClient(base_url=monitoring_url, timeout=10) as client:
        scraped = await client.get("/metrics")
        assert scraped.status_code == 200
        assert scraped.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = scraped.text
        assert sample(text, "footbot_updates_total") == 7
        replies = {
            kind.value: sample(text, "footbot_replies_total", kind=kind.value) for kind in Kind
        }
        assert replies == {kind.value: 0 for kind in Kind} | {"fallback": 1, "faq": 1, "safety": 1}
        assert sample(text, "footbot_answer_seconds_count") == 4  # the follow-up too
        assert sample(text, "footbot_feedback_total", verdict="helpful") == 1
        assert sample(text, "footbot_feedback_total", verdict="unhelpful") == 1
        assert sample(text, "footbot_subscribers") == 0
        assert str(CHAT) not in text
        assert not [said for said in api.people_texts if len(said) >= 8 and said in text]

        healthy = await client.get("/healthz")
        assert healthy.status_code == 200
        assert healthy.json()["status"] == "ok"

        await the_review_lists_the_misses_and_forget_removes_them(api, stores, tmp_path)

        await api.stop()
        stopped = asyncio.get_running_loop().time()
        while (failing := await client.get("/healthz")).status_code == 200:
            assert asyncio.get_running_loop().time() - stopped < WAIT
            await asyncio.sleep(0.2)
        took = asyncio.get_running_loop().time() - stopped
    assert failing.status_code == 503
    assert failing.json()["failing"] == ["bot_api"]
    assert took < 3 * SHORT_WINDOW


async def footbot_review(stores: Stores, data_dir: Path) -> JSONDict:
    """``footbot review --json`` as an operator runs it, beside the running bot."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "review",
        "--json",
        cwd=REPO,
        env={**os.environ, **stores.environment(data_dir)},
        stdout=asyncio.subprocess.PIPE,
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), WAIT)
    assert process.returncode == 0
    report: JSONDict = json.loads(stdout)
    return report


async def the_review_lists_the_misses_and_forget_removes_them(
    api: FakeBotApi, stores: Stores, data_dir: Path
) -> None:
    urgent = "my dad's calf is swollen red and hot since his flight"
    with_email = "please send the oil list to ana.perez@example.org"
    api.push_message(CHAT, urgent)
    api.push_message(CHAT, with_email)
    await reply_count(api, 8)
    review = await footbot_review(stores, data_dir)
    kept = [p["text"] for group in review["groups"] for p in group["phrasings"]]
    assert FALLBACK in kept
    assert FOLLOW_UP in kept
    assert review["questions"]["by_reason"] == {"fallback": 1, "follow-up": 1}
    assert review["feedback"]["unhelpful"] == 1
    database = stores.stored_bytes(data_dir)
    for never in (urgent, with_email, "ana.perez@example.org"):
        assert never.encode() not in database

    api.push_message(CHAT, "/forget")
    await reply_count(api, 9)
    forgotten = await footbot_review(stores, data_dir)
    assert forgotten["groups"] == []
    assert forgotten["feedback"]["unhelpful"] == forgotten["feedback"]["helpful"] == 0


async def test_the_webhook_bot_serves_health_and_metrics_beside_its_webhook(
    api: FakeBotApi, stores: Stores, tmp_path: Path
) -> None:
    webhook_port, metrics_port = free_port(), free_port()
    process = await start_bot_process(
        api,
        tmp_path,
        TOKEN,
        stores=stores,
        WEBHOOK_URL=f"http://127.0.0.1:{webhook_port}/hook",
        WEBHOOK_SECRET="metrics-beside-the-webhook",  # required on a shared DATABASE_URL
        WEBHOOK_LISTEN="127.0.0.1",
        PORT=str(webhook_port),
        METRICS_PORT=str(metrics_port),
    )
    try:
        await api.wait_for_call("setWebhook", within=20)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{metrics_port}", timeout=10
        ) as client:
            healthy = await client.get("/healthz")
            scraped = await client.get("/metrics")
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 20)
    finally:
        await stop_bot_process(process)
    assert process.returncode == 0
    assert healthy.status_code == 200
    assert sample(scraped.text, "footbot_updates_total") == 0


async def test_a_metrics_port_in_use_is_one_line_and_exit_2(
    api: FakeBotApi, stores: Stores, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        process = await start_bot_process(
            api, tmp_path, TOKEN, stores=stores, METRICS_PORT=str(taken.getsockname()[1])
        )
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
        finally:
            await stop_bot_process(process)
    assert process.returncode == EXIT_CONFIG
    lines = (stdout + stderr).decode().strip().splitlines()
    problems = [line for line in lines if line.startswith("footbot:")]
    assert len(problems) == 1
    assert "cannot serve /metrics on 127.0.0.1:" in problems[0]
    assert "Traceback" not in (stdout + stderr).decode()
