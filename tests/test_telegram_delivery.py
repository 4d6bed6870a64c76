"""Delivering due reminders through the real client and the production rate limiter.

The rate limiter's back-off pauses and the pacer use recorded fake sleeps, so nothing here waits
on the wall clock except the rate limiter's own short pause after a 429 with ``retry_after`` 0.
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
from telegram.ext import ExtBot

from bot.engine.languages import Language
from bot.reminders.plan import Claim, set_reminder
from bot.storage import Store, Subscription
from bot.telegram.delivery import Outgoing, Pacer, ReminderDelivery
from bot.telegram.ratelimit import RetryingRateLimiter, RetryPolicy
from tests.support.fake_bot_api import FakeBotApi
from tests.support.stores import Stores

DUE = datetime(2025, 6, 1, 19, 30, tzinfo=UTC)  # 21:30 in Paris
SECRET = "private words the person once typed"
QUICK = RetryPolicy(first_pause=1.0, longest_pause=8.0, deadline=60.0)


class FakeSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class Forever:
    """A sleep that never ends: every send after the first stays queued."""

    async def __call__(self, seconds: float) -> None:
        await asyncio.Event().wait()


def compose(item: Claim, language: Language) -> Outgoing:
    return Outgoing(f"tip {item.tip_number}")


def subscribe(store: Store, *chat_ids: int) -> None:
    store.save_many(
        set_reminder(None, chat_id, time(21, 30), "Europe/Paris", DUE - timedelta(hours=2))
        for chat_id in chat_ids
    )


def delivery(
    store: Store,
    now: datetime = DUE,
    max_in_flight: int = 200,
    pacer_sleep: Any = None,
    text: str | None = None,
) -> ReminderDelivery:
    return ReminderDelivery(
        store,
        (lambda item, language: Outgoing(text)) if text else compose,
        clock=lambda: now,
        max_in_flight=max_in_flight,
        pacer=Pacer(28.0, pacer_sleep or FakeSleep(), clock=lambda: 0.0),
    )


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
def backoff() -> FakeSleep:
    return FakeSleep()


@pytest.fixture
async def bot(api: FakeBotApi, backoff: FakeSleep) -> AsyncIterator[ExtBot[Any]]:
    limiter = RetryingRateLimiter(QUICK, sleep=backoff)
    client: ExtBot[Any] = ExtBot("123:abc", base_url=api.base_url, rate_limiter=limiter)
    async with client:
        yield client


@pytest.fixture
def store(stores: Stores, tmp_path: Path) -> Store:
    return stores.open(tmp_path)


def sent_chats(api: FakeBotApi) -> list[int]:
    return sorted(call.chat_id or 0 for call in api.calls_to("sendMessage") if call.ok)


async def test_every_due_reminder_is_sent_once(
    api: FakeBotApi, bot: ExtBot[Any], store: Store
) -> None:
    subscribe(store, 1, 2, 3)
    sender = delivery(store)
    assert await sender.tick(bot) == 3
    await sender.drain()
    assert sent_chats(api) == [1, 2, 3]
    assert await sender.tick(bot) == 0
    assert sender.stats.sent == 3


async def test_reminders_not_yet_due_are_left_alone(
    api: FakeBotApi, bot: ExtBot[Any], store: Store
) -> None:
    subscribe(store, 1)
    sender = delivery(store, now=DUE - timedelta(seconds=1))
    assert await sender.tick(bot) == 0
    await sender.drain()
    assert api.calls_to("sendMessage") == []


async def test_the_claim_is_stored_before_the_message_is_sent(
    bot: ExtBot[Any], store: Store
) -> None:
    subscribe(store, 1)
    sender = delivery(store)
    await sender.tick(bot)
    stored = store.subscription(1)
    assert stored is not None
    assert stored.last_sent_local_date == "2025-06-01"
    assert stored.next_due_utc == int((DUE + timedelta(days=1)).timestamp())
    await sender.drain()


async def test_a_restart_inside_the_reminder_minute_sends_nothing_twice(
    api: FakeBotApi, bot: ExtBot[Any], stores: Stores, tmp_path: Path
) -> None:
    first_run = stores.open(tmp_path)
    subscribe(first_run, 1, 2)
    sender = delivery(first_run)
    await sender.tick(bot)
    await sender.drain()
    first_run.close()

    after_restart = stores.open(tmp_path)
    assert await delivery(after_restart, now=DUE + timedelta(seconds=20)).tick(bot) == 0
    assert sent_chats(api) == [1, 2]
    after_restart.close()


async def test_a_clean_stop_releases_what_it_had_not_sent_and_the_next_start_sends_it(
    api: FakeBotApi, bot: ExtBot[Any], stores: Stores, tmp_path: Path
) -> None:
    first_run = stores.open(tmp_path)
    subscribe(first_run, *range(1, 11))
    sender = delivery(first_run, pacer_sleep=Forever())
    assert await sender.tick(bot) == 10
    await asyncio.sleep(0.2)  # the first send goes out; the pacer holds the other nine
    await sender.stop(deadline=5)
    assert sender.stats.released == 9
    first_run.close()

    after_restart = stores.open(tmp_path)
    restarted = delivery(after_restart, now=DUE + timedelta(seconds=30))
    assert await restarted.tick(bot) == 9
    await restarted.drain()
    assert sent_chats(api) == list(range(1, 11))
    after_restart.close()


async def test_a_stopped_sender_claims_nothing_more(
    api: FakeBotApi, bot: ExtBot[Any], store: Store
) -> None:
    sender = delivery(store)
    await sender.stop()
    subscribe(store, 1)
    assert await sender.tick(bot) == 0
    assert store.subscription(1) == store.due(int(DUE.timestamp()), 1)[0]


async def test_a_crash_between_claim_and_send_loses_the_reminder_but_never_repeats_it(
    api: FakeBotApi, bot: ExtBot[Any], stores: Stores, tmp_path: Path
) -> None:
    crashed = stores.open(tmp_path)
    subscribe(crashed, 1)
    crashed_sender = delivery(crashed, pacer_sleep=Forever(), max_in_flight=1)
    assert await crashed_sender.tick(bot) == 1  # claimed; the pacer holds it, then "kill -9"
    crashed.close()
    restarted = stores.open(tmp_path)
    assert await delivery(restarted, now=DUE + timedelta(seconds=5)).tick(bot) == 0
    restarted.close()


async def test_a_blocked_bot_removes_that_subscription_only(
    api: FakeBotApi, bot: ExtBot[Any], store: Store
) -> None:
    subscribe(store, 1, 2)
    api.block_chat(2)
    sender = delivery(store)
    await sender.tick(bot)
    await sender.drain()
    assert store.subscription(2) is None
    assert store.subscription(1) is not None
    assert (sender.stats.sent, sender.stats.blocked) == (1, 1)


async def test_a_429_is_retried_by_the_rate_limiter_after_retry_after(
    api: FakeBotApi, bot: ExtBot[Any], store: Store
) -> None:
    subscribe(store, 1)
    api.fail_next(1, status=HTTPStatus.TOO_MANY_REQUESTS, description="Too Many", retry_after=1)
    sender = delivery(store)
    await sender.tick(bot)
    await sender.drain()
    assert [call.status for call in api.calls_to("sendMessage")] == [429, 200]
    assert sender.stats.sent == 1


async def test_server_errors_are_retried_in_one_layer_with_growing_pauses(
    api: FakeBotApi, bot: ExtBot[Any], store: Store, backoff: FakeSleep
) -> None:
    subscribe(store, 1)
    api.fail_next(2)  # 502 Bad Gateway twice
    sender = delivery(store)
    await sender.tick(bot)
    await sender.drain()
    assert [call.status for call in api.calls_to("sendMessage")] == [502, 502, 200]
    assert backoff.delays == [1.0, 2.0]


async def test_ten_502s_in_a_row_give_a_bounded_number_of_attempts_and_the_log_counts_them(
    api: FakeBotApi,
    store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    short = RetryPolicy(first_pause=1.0, longest_pause=1.0, deadline=5.0)  # 6 attempts at most
    limiter = RetryingRateLimiter(short, sleep=FakeSleep())
    client: ExtBot[Any] = ExtBot("123:abc", base_url=api.base_url, rate_limiter=limiter)
    subscribe(store, 1)
    api.fail_next(10)
    sender = delivery(store, text=SECRET)
    with caplog.at_level(logging.INFO):
        async with client:
            await sender.tick(client)
            await sender.drain()
    attempts = len(api.calls_to("sendMessage"))
    assert attempts == len(short.pauses()) + 1 == 6
    assert f"sendMessage to chat 1 failed after {attempts} attempts" in caplog.text
    assert sender.stats.failed == 1
    assert SECRET not in caplog.text
    assert store.subscription(1) is not None  # a transient failure keeps the subscription


async def test_a_tick_claims_no_more_than_the_in_flight_bound(
    api: FakeBotApi, bot: ExtBot[Any], store: Store
) -> None:
    subscribe(store, *range(1, 11))
    sender = delivery(store, max_in_flight=4)
    assert await sender.tick(bot) == 4
    assert await sender.tick(bot) == 0
    await sender.drain()
    assert await sender.tick(bot) == 4
    await sender.drain()
    assert await sender.tick(bot) == 2
    await sender.drain()
    assert sent_chats(api) == list(range(1, 11))


async def test_a_reminder_more_than_an_hour_late_is_skipped_not_sent(
    api: FakeBotApi, bot: ExtBot[Any], store: Store
) -> None:
    subscribe(store, 1)
    sender = delivery(store, now=DUE + timedelta(hours=2))
    assert await sender.tick(bot) == 0
    assert sender.stats.skipped == 1
    stored = store.subscription(1)
    assert stored == Subscription(
        1, "21:30", "Europe/Paris", int((DUE + timedelta(days=1)).timestamp())
    )


async def test_the_pacer_spaces_sends_evenly_without_a_burst_at_the_start() -> None:
    sleep = FakeSleep()
    pacer = Pacer(20.0, sleep, clock=lambda: 100.0)
    for _ in range(5):
        await pacer.wait()
    assert sleep.delays == pytest.approx([0.05, 0.10, 0.15, 0.20])


async def test_the_pacer_does_not_catch_up_after_a_stall() -> None:
    sleep = FakeSleep()
    now = [100.0]
    pacer = Pacer(20.0, sleep, clock=lambda: now[0])
    await pacer.wait()
    now[0] += 0.06  # the loop was busy for longer than one slot
    await pacer.wait()
    assert sleep.delays == []
    await pacer.wait()
    assert sleep.delays == pytest.approx([0.05])


class TimingOutBot:
    """Stands in for a bot whose send timed out: the message may or may not have arrived."""

    def __init__(self) -> None:
        self.attempts = 0

    async def send_message(self, *args: object, **kwargs: object) -> None:
        self.attempts += 1
        raise TimedOut()


async def test_a_timed_out_send_is_not_retried_so_it_cannot_arrive_twice(store: Store) -> None:
    subscribe(store, 1)
    sender = delivery(store)
    timing_out = TimingOutBot()
    await sender.tick(cast(ExtBot[Any], timing_out))
    await sender.drain()
    assert timing_out.attempts == 1
    assert sender.stats.failed == 1
