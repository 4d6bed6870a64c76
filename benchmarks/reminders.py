"""Benchmark: many subscribers due in the same minute, sent through the real client stack.

On the SQLite file of a temporary data folder, or on PostgreSQL with ``--database-url`` (or
``DATABASE_URL``), which must point at an empty database: the rows made here are deleted at the
end. Three measurements:
1. Scheduling: compute the next due time (zoneinfo, several zones) for N subscriptions and commit
   them, then reopen the store as a restart would and run the first tick's due query. Reported as
   seconds and extra resident memory.
2. Claiming (run after the delivery, so the two never share due rows): N more subscriptions
   due now are claimed and committed in the delivery tick's slices (``claim_due``, each slice
   one transaction, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL).
3. Delivery (unless ``--no-delivery``): the bot's own application (``build_application``: its
   rate limiter, the reminders tick job, the real reminder message with the engine's tip and
   buttons) runs against the fake Bot API on 127.0.0.1, which answers 429 above 30 sends per
   second. Reported: delivered, duplicates, 429 answers and the achieved rate.
"""

from __future__ import annotations

import asyncio
import gc
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import Settings
from bot.engine import Engine
from bot.reminders.claims import claim_due
from bot.reminders.plan import set_reminder, to_unix
from bot.reminders.schedule import zone_info
from bot.storage import StorageError, Store, open_store
from bot.telegram.app import build_application
from bot.telegram.delivery import IN_FLIGHT_SECONDS, PACE_PER_SECOND
from tests.support.fake_bot_api import FakeBotApi

ZONES = (
    "Europe/Paris",
    "America/New_York",
    "Asia/Tokyo",
    "UTC",
    "UTC+05:30",
    "Australia/Sydney",
    "America/Los_Angeles",
    "Europe/London",
)
FIRST_CHAT_ID = 1_000_000
FIRST_CLAIMED_CHAT_ID = 100_000_000
TICK_SLICE = int(PACE_PER_SECOND * IN_FLIGHT_SECONDS)
SEND_LIMIT_PER_SECOND = 30
BENCH_TOKEN = "123456789:AAHbenchmarkTokenNotReal_0123456789a"


@dataclass(frozen=True)
class BenchResult:
    subscribers: int
    schedule_seconds: float
    reopen_seconds: float
    claim_seconds: float
    extra_memory_mb: float
    delivered: int
    duplicates: int
    rate_limited: int
    send_seconds: float
    rate_per_second: float

    def lines(self) -> list[str]:
        target = 0.9 * SEND_LIMIT_PER_SECOND
        return [
            f"subscribers:        {self.subscribers}",
            f"schedule + commit:  {self.schedule_seconds:.3f} s",
            f"reopen + due query: {self.reopen_seconds:.3f} s",
            f"claim + commit:     {self.claim_seconds:.3f} s "
            f"({self.subscribers} more, in slices of {TICK_SLICE})",
            f"extra memory:       {self.extra_memory_mb:.1f} MB (resident)",
            f"delivered:          {self.delivered} of {self.subscribers}",
            f"duplicates:         {self.duplicates}",
            f"429 answers:        {self.rate_limited}",
            f"sending took:       {self.send_seconds:.1f} s",
            f"achieved rate:      {self.rate_per_second:.1f} msg/s "
            f"(limit {SEND_LIMIT_PER_SECOND}, target >= {target:.0f})",
        ]


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _schedule(store: Store, subscribers: int, due: datetime, first: int = FIRST_CHAT_ID) -> None:
    """Subscribe everyone at the local time that falls on ``due`` in their zone."""
    before = due - timedelta(seconds=1)
    subscriptions = []
    for index in range(subscribers):
        zone = ZONES[index % len(ZONES)]
        local = due.astimezone(zone_info(zone)).time()
        subscription = set_reminder(None, first + index, local, zone, before)
        assert subscription.next_due_utc == to_unix(due)
        subscriptions.append(subscription)
    store.save_many(subscriptions)


def _all_delivered(api: FakeBotApi, subscribers: int) -> Callable[[], bool]:
    """A condition for ``api.wait_until`` that reads each recorded call once."""
    seen: set[int | None] = set()
    read = 0

    def condition() -> bool:
        nonlocal read
        for call in api.calls[read:]:
            if call.method == "sendMessage" and call.ok:
                seen.add(call.chat_id)
        read = len(api.calls)
        return len(seen) >= subscribers

    return condition


async def _deliver(
    engine: Engine, store: Store, subscribers: int, limit_seconds: float
) -> FakeBotApi:
    """Start the bot's own application (handlers, rate limiter, tick job) against the fake."""
    async with FakeBotApi(send_limit_per_second=SEND_LIMIT_PER_SECOND) as api:
        settings = Settings(token=BENCH_TOKEN, api_url=api.base_url, data_dir=store.data_dir)
        application = build_application(settings, engine, store)
        async with application:
            await application.start()
            try:
                await api.wait_until(_all_delivered(api, subscribers), limit_seconds)
            finally:
                await application.stop()
    return api


def _claim_all(store: Store, subscribers: int, due: datetime) -> float:
    """Seconds to claim and commit ``subscribers`` due reminders in the tick's slices."""
    _schedule(store, subscribers, due, first=FIRST_CLAIMED_CHAT_ID)
    now = due + timedelta(seconds=1)
    started = time.perf_counter()
    claimed = 0
    while slice_ := claim_due(store, now, TICK_SLICE):
        claimed += len(slice_)
    seconds = time.perf_counter() - started
    assert claimed == subscribers, f"claimed {claimed} of {subscribers}"
    return seconds


def _delete_what_was_made(store: Store) -> None:
    with store._transaction() as tx:
        tx.execute("DELETE FROM subscriptions WHERE chat_id >= ?", (FIRST_CHAT_ID,))


def _open_empty(data_dir: Path, database_url: str | None) -> Store:
    store = open_store(data_dir, database_url)
    if store.count_active():
        store.close()
        raise StorageError("bench-reminders needs an empty database (it deletes what it makes)")
    return store


def run(
    engine: Engine,
    subscribers: int,
    timeout: float | None = None,
    *,
    database_url: str | None = None,
    deliver: bool = True,
) -> BenchResult:
    """Run the measurements on a temporary data folder (and the database, if one is given)."""
    with tempfile.TemporaryDirectory() as data_dir:
        gc.collect()
        memory_before = _resident_mb()
        due = datetime.now(UTC).replace(second=0, microsecond=0)
        started = time.perf_counter()
        store = _open_empty(Path(data_dir), database_url)
        _schedule(store, subscribers, due)
        schedule_seconds = time.perf_counter() - started
        store.close()
        started = time.perf_counter()
        store = open_store(Path(data_dir), database_url)
        first_slice = store.due(to_unix(datetime.now(UTC)), 200)
        reopen_seconds = time.perf_counter() - started
        assert len(first_slice) == min(200, subscribers)
        gc.collect()
        extra_memory = _resident_mb() - memory_before
        limit = timeout if timeout is not None else 60 + 3 * subscribers / SEND_LIMIT_PER_SECOND
        api = FakeBotApi()
        try:
            if deliver:
                api = asyncio.run(_deliver(engine, store, subscribers, limit))
            else:  # the first N are due too: move them on, as the delivery would have
                claim_due(store, due + timedelta(seconds=1), subscribers)
            claim_seconds = _claim_all(store, subscribers, due)
        finally:
            if database_url:
                _delete_what_was_made(store)
            store.close()
    sends = api.calls_to("sendMessage")
    delivered = [call for call in sends if call.ok]
    per_chat = Counter(call.chat_id for call in delivered)
    span = delivered[-1].at - sends[0].at if delivered else 0.0
    return BenchResult(
        subscribers=subscribers,
        schedule_seconds=schedule_seconds,
        reopen_seconds=reopen_seconds,
        claim_seconds=claim_seconds,
        extra_memory_mb=extra_memory,
        delivered=len(per_chat),
        duplicates=sum(count - 1 for count in per_chat.values()),
        rate_limited=sum(1 for call in sends if call.status == 429),
        send_seconds=span,
        rate_per_second=(len(delivered) - 1) / span if span else 0.0,
    )


def main(
    engine: Engine, subscribers: int, database_url: str | None = None, deliver: bool = True
) -> int:
    """Print the figures; exit status 1 if a target is missed, 2 if the database is unusable."""
    try:
        result = run(engine, subscribers, database_url=database_url, deliver=deliver)
    except StorageError as problem:
        print(f"footbot: {problem}")
        return 2
    lines = result.lines()
    print("\n".join(lines if deliver else lines[:4]))
    delivered = (
        result.delivered == subscribers
        and result.duplicates == 0
        and result.rate_per_second >= 0.9 * SEND_LIMIT_PER_SECOND
    )
    ok = (
        (delivered or not deliver)
        and result.schedule_seconds + result.reopen_seconds < 2
        and result.claim_seconds < 2
        and result.extra_memory_mb < 50
    )
    return 0 if ok else 1
