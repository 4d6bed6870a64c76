"""Delivering due reminders through the real client and rate limiter to the fake Bot API.

Retry back-off uses a recorded fake sleep, so nothing here waits on the wall clock except the
rate limiter's own short pause after a 429 with ``retry_after`` 0.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any, cast

import pytest
from telegram.error import TimedOut
from telegram.ext import AIORateLimiter, ExtBot

from bot.reminders.delivery import PACE_PER_SECOND, Delivery, Outgoing, Pacer
from bot.reminders.plan import Claim, set_reminder
from bot.storage import Store, Subscription
from tests.support.fake_bot_api import FakeBotApi

DUE = datetime(2025, 6, 1, 19, 30, tzinfo=UTC)  # 21:30 in Paris
SECRET = "private words the person once typed"


class FakeSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def compose(item: Claim) -> Outgoing:
    return Outgoing(f"tip {item.tip_number}")


def subscribe(store: Store, *chat_ids: int) -> None:
    store.save_many(
        set_reminder(None, chat_id, time(21, 30), "Europe/Paris", DUE - timedelta(hours=2))
        for chat_id in chat_ids
    )


def delivery(
    store: Store, sleep: FakeSleep, now: datetime = DUE, max_in_flight: int = 200
) -> Delivery:
    return Delivery(
        store,
        compose,
        sleep=sleep,
        clock=lambda: now,
        max_in_flight=max_in_flight,
        pacer=Pacer(PACE_PER_SECOND, FakeSleep()),
    )


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[ExtBot[Any]]:
    client: ExtBot[Any] = ExtBot(
        "123:abc", base_url=api.base_url, rate_limiter=AIORateLimiter(max_retries=3)
    )
    async with client:
        yield client


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path)


def sent_chats(api: FakeBotApi) -> list[int]:
    return sorted(call.chat_id or 0 for call in api.calls_to("sendMessage") if call.ok)


async def test_every_due_reminder_is_sent_once(
    api: FakeBotApi, bot: ExtBot[Any], store: Store
) -> None:
    subscribe(store, 1, 2, 3)
    sender = delivery(store, FakeSleep())
    assert sender.tick(bot) == 3
    await sender.drain()
    assert sent_chats(api) == [1, 2, 3]
    assert sender.tick(bot) == 0
    assert sender.stats.sent == 3


async def test_reminders_not_yet_due_are_left_alone(
    api: FakeBotApi, bot: ExtBot[Any], store: Store
) -> None:
    subscribe(store, 1)
    sender = delivery(store, FakeSleep(), now=DUE - timedelta(seconds=1))
    assert sender.tick(bot) == 0
    await sender.drain()
    assert api.calls_to("sendMessage") == []


async def test_the_claim_is_stored_before_the_message_is_sent(
    bot: ExtBot[Any], store: Store
) -> None:
    subscribe(store, 1)
    sender = delivery(store, FakeSleep())
    sender.tick(bot)
    stored = store.subscription(1)
    assert stored is not None
    assert stored.last_sent_local_date == "2025-06-01"
    assert stored.next_due_utc == int((DUE + timedelta(days=1)).timestamp())
    await sender.drain()


async def test_a_restart_inside_the_reminder_minute_sends_nothing_twice(
    api: FakeBotApi, bot: ExtBot[Any], tmp_path: Path
) -> None:
    first_run = Store.open(tmp_path)
    subscribe(first_run, 1, 2)
    sender = delivery(first_run, FakeSleep())
    sender.tick(bot)
    await sender.drain()
    first_run.close()

    after_restart = delivery(Store.open(tmp_path), FakeSleep(), now=DUE + timedelta(seconds=20))
    assert after_restart.tick(bot) == 0
    assert sent_chats(api) == [1, 2]


async def test_a_crash_between_claim_and_send_loses_the_reminder_but_never_repeats_it(
    api: FakeBotApi, bot: ExtBot[Any], tmp_path: Path
) -> None:
    crashed = Store.open(tmp_path)
    subscribe(crashed, 1)
    assert len(delivery(crashed, FakeSleep()).claim_due(DUE)) == 1  # claimed, then "kill -9"
    crashed.close()
    restarted = delivery(Store.open(tmp_path), FakeSleep(), now=DUE + timedelta(seconds=5))
    assert restarted.tick(bot) == 0
    assert api.calls_to("sendMessage") == []


async def test_a_blocked_bot_removes_that_subscription_only(
    api: FakeBotApi, bot: ExtBot[Any], store: Store
) -> None:
    subscribe(store, 1, 2)
    api.block_chat(2)
    sender = delivery(store, FakeSleep())
    sender.tick(bot)
    await sender.drain()
    assert store.subscription(2) is None
    assert store.subscription(1) is not None
    assert (sender.stats.sent, sender.stats.blocked) == (1, 1)


async def test_a_429_is_retried_by_the_rate_limiter_after_retry_after(
    api: FakeBotApi, bot: ExtBot[Any], store: Store
) -> None:
    subscribe(store, 1)
    api.fail_next(1, status=HTTPStatus.TOO_MANY_REQUESTS, description="Too Many", retry_after=1)
    sender = delivery(store, FakeSleep())
    sender.tick(bot)
    await sender.drain()
    assert [call.status for call in api.calls_to("sendMessage")] == [429, 200]
    assert sender.stats.sent == 1
    assert sender.stats.retried == 0  # the rate limiter's own retry was enough


async def test_a_429_that_outlasts_the_rate_limiter_waits_at_least_retry_after(
    api: FakeBotApi, store: Store
) -> None:
    subscribe(store, 1)
    api.fail_next(2, status=HTTPStatus.TOO_MANY_REQUESTS, description="Too Many", retry_after=9)
    sleep = FakeSleep()
    sender = delivery(store, sleep)
    impatient: ExtBot[Any] = ExtBot(
        "123:abc", base_url=api.base_url, rate_limiter=AIORateLimiter(max_retries=0)
    )
    async with impatient:
        sender.tick(impatient)
        await sender.drain()
    assert sent_chats(api) == [1]
    assert sleep.delays == [9.0, 9.0]


async def test_server_errors_are_retried_with_growing_delays(
    api: FakeBotApi, bot: ExtBot[Any], store: Store
) -> None:
    subscribe(store, 1)
    api.fail_next(2)  # 502 Bad Gateway twice
    sleep = FakeSleep()
    sender = delivery(store, sleep)
    sender.tick(bot)
    await sender.drain()
    assert sent_chats(api) == [1]
    assert sleep.delays == [1.0, 4.0]
    assert sender.stats.retried == 2


async def test_a_send_that_keeps_failing_is_given_up_with_a_log_line_and_no_text(
    api: FakeBotApi,
    bot: ExtBot[Any],
    store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    subscribe(store, 1)
    api.fail_next(10)
    sleep = FakeSleep()
    sender = Delivery(
        store,
        lambda item: Outgoing(SECRET),
        sleep=sleep,
        clock=lambda: DUE,
        pacer=Pacer(PACE_PER_SECOND, FakeSleep()),
    )
    with caplog.at_level(logging.INFO):
        sender.tick(bot)
        await sender.drain()
    assert sender.stats.given_up == 1
    assert len(sleep.delays) == 3
    assert any("gave up on chat 1" in record.getMessage() for record in caplog.records)
    assert SECRET not in caplog.text
    assert store.subscription(1) is not None  # a transient failure keeps the subscription


async def test_a_tick_claims_no_more_than_the_in_flight_bound(
    api: FakeBotApi, bot: ExtBot[Any], store: Store
) -> None:
    subscribe(store, *range(1, 11))
    sender = delivery(store, FakeSleep(), max_in_flight=4)
    assert sender.tick(bot) == 4
    assert sender.tick(bot) == 0
    await sender.drain()
    assert sender.tick(bot) == 4
    await sender.drain()
    assert sender.tick(bot) == 2
    await sender.drain()
    assert sent_chats(api) == list(range(1, 11))


async def test_a_reminder_more_than_an_hour_late_is_skipped_not_sent(
    api: FakeBotApi, bot: ExtBot[Any], store: Store
) -> None:
    subscribe(store, 1)
    sender = delivery(store, FakeSleep(), now=DUE + timedelta(hours=2))
    assert sender.tick(bot) == 0
    assert sender.stats.skipped == 1
    stored = store.subscription(1)
    assert stored == Subscription(
        1, "21:30", "Europe/Paris", int((DUE + timedelta(days=1)).timestamp())
    )


async def test_the_pacer_spaces_sends_evenly_without_a_burst_at_the_start() -> None:
    sleep = FakeSleep()
    pacer = Pacer(20.0, sleep)
    for _ in range(5):
        await pacer.wait()
    assert len(sleep.delays) == 4
    assert all(0.04 < delay <= 0.05 * (n + 1) for n, delay in enumerate(sleep.delays))


async def test_the_pacer_does_not_catch_up_after_a_stall() -> None:
    sleep = FakeSleep()
    pacer = Pacer(20.0, sleep)
    await pacer.wait()
    await asyncio.sleep(0.06)  # the loop was busy for longer than one slot
    await pacer.wait()
    assert sleep.delays == []
    await pacer.wait()
    assert len(sleep.delays) == 1


class TimingOutBot:
    """Stands in for a bot whose send timed out: the message may or may not have arrived."""

    def __init__(self) -> None:
        self.attempts = 0

    async def send_message(self, *args: object, **kwargs: object) -> None:
        self.attempts += 1
        raise TimedOut()


async def test_a_timed_out_send_is_not_retried_so_it_cannot_arrive_twice(store: Store) -> None:
    subscribe(store, 1)
    sleep = FakeSleep()
    sender = delivery(store, sleep)
    timing_out = TimingOutBot()
    sender.tick(cast(ExtBot[Any], timing_out))
    await sender.drain()
    assert timing_out.attempts == 1
    assert sender.stats.given_up == 1
    assert sleep.delays == []
