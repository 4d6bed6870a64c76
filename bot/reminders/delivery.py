"""The delivery tick: claim what is due from the store, then send it concurrently but bounded.

Why one repeating tick instead of one scheduler job per subscriber: the store already orders
subscriptions by ``next_due_utc`` on an index, so each tick is one range query whatever the number
of subscribers; nothing has to be loaded or re-created in memory at start-up (python-telegram-bot
persistence does not store jobs anyway); a restart, a missed tick or a changed time all resolve
themselves on the next tick; and 10,000 jobs firing in the same second would all contend for the
same rate limiter with no bound on how many are in flight.

Claim before send: each tick decides its due subscriptions with ``plan.claim`` and commits the
advanced next due time and the sent date *before* any message goes out. A crash can therefore
lose at most the reminders claimed but not yet sent (at-most-once), and can never send one twice.
To keep that window small a tick claims no more than ``max_in_flight`` minus what is already
queued, so a 10,000-reminder minute is claimed in slices as the rate limiter drains it, and what
a crash or a shutdown in the middle of a busy minute skips is bounded by that slice (200, about
seven seconds of sending).

Sending goes through ``bot.send_message`` of the application, i.e. through its AIORateLimiter
(30 messages/s overall, 429 ``retry_after`` honoured with retries). Reminders are also paced
evenly at ``PACE_PER_SECOND`` (28/s) before they reach it: the limiter is a leaky bucket that lets
a burst of 30 through at once, and a burst on top of a steady 30/s is exactly what earns a 429,
whose pause then releases another burst. Even spacing just under the limit avoids that cycle and
leaves a little room for replies to people chatting at the same time. On top of that:
- 403 Forbidden (the person blocked the bot): the subscription is deleted;
- 429 after the limiter's own retries, network errors and 5xx: retried after ``retry_delays``
  (the 429's own ``retry_after`` when longer), then given up with a log line;
- a timeout is not retried: the message may well have arrived, and a second reminder is worse
  than a missing one;
- 400 Bad Request (e.g. chat not found) is not retried.
Log lines carry chat ids and error types, never message text.

The tick runs every ``TICK_SECONDS`` so a reminder goes out within a few seconds of its minute.
Its APScheduler settings are deliberate: ``misfire_grace_time=None`` because the default of 1 s
silently drops a tick that starts a little late (a busy loop, a slow disk) and a late tick is
always right, since it reads what is due from the store; ``coalesce=True`` so ticks missed while
the loop was blocked run once, not in a burst; ``max_instances=1`` so ticks never overlap (a tick
only claims and starts tasks, so it is short).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import CallbackContext, Job, JobQueue

from bot.reminders.plan import Claim, claim, to_unix
from bot.storage import Store

LOGGER = logging.getLogger(__name__)

PACE_PER_SECOND = 28.0
TICK_SECONDS = 3.0
TICK_JOB_NAME = "reminders-tick"
TICK_JOB_KWARGS: dict[str, object] = {
    "misfire_grace_time": None,
    "coalesce": True,
    "max_instances": 1,
}


@dataclass(frozen=True)
class Outgoing:
    """The reminder message for one chat, ready to send."""

    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    parse_mode: str | None = None


Composer = Callable[[Claim], Outgoing]
Sleep = Callable[[float], Awaitable[None]]


@dataclass
class DeliveryStats:
    claimed: int = 0
    skipped: int = 0
    sent: int = 0
    blocked: int = 0
    retried: int = 0
    given_up: int = 0


def _now() -> datetime:
    return datetime.now(UTC)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Pacer:
    """Spaces calls at least ``1 / per_second`` apart, without catching up after a stall.

    Catching up (sending the "missed" slots at once after the loop was busy) would be a burst.
    """

    def __init__(self, per_second: float, sleep: Sleep = asyncio.sleep) -> None:
        self._interval = 1.0 / per_second
        self._sleep = sleep
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = asyncio.get_running_loop().time()
            slot = max(self._next, now)
            self._next = slot + self._interval
            if slot > now:
                await self._sleep(slot - now)


class Delivery:
    """Claims due reminders on each tick and sends them with bounded concurrency."""

    def __init__(
        self,
        store: Store,
        compose: Composer,
        *,
        max_in_flight: int = 200,
        concurrency: int = 16,
        pacer: Pacer | None = None,
        retry_delays: Sequence[float] = (1.0, 4.0, 15.0),
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.store = store
        self.stats = DeliveryStats()
        self._compose = compose
        self._max_in_flight = max_in_flight
        self._slots = asyncio.Semaphore(concurrency)
        self._pacer = pacer or Pacer(PACE_PER_SECOND)
        self._retry_delays = tuple(retry_delays)
        self._sleep = sleep
        self._clock = clock
        self._in_flight: set[asyncio.Task[None]] = set()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def claim_due(self, now: datetime) -> list[Claim]:
        """Decide and commit every due subscription that fits; return those to send.

        No await happens between reading and committing, so a handler cannot change a row
        halfway through a claim.
        """
        room = self._max_in_flight - len(self._in_flight)
        if room <= 0:
            return []
        claims = [claim(subscription, now) for subscription in self.store.due(to_unix(now), room)]
        if claims:
            self.store.save_many(c.updated for c in claims)
        to_send = [c for c in claims if c.send]
        self.stats.claimed += len(claims)
        self.stats.skipped += len(claims) - len(to_send)
        return to_send

    def tick(self, bot: Bot) -> int:
        """Claim what is due now and start sending it in the background; returns how many."""
        to_send = self.claim_due(self._clock())
        for item in to_send:
            task = asyncio.create_task(self._deliver(bot, item))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return len(to_send)

    async def drain(self) -> None:
        """Wait until every started send has finished."""
        while self._in_flight:
            await asyncio.gather(*self._in_flight)

    async def _deliver(self, bot: Bot, item: Claim) -> None:
        try:
            await self._send_with_retries(bot, item)
        except Exception:
            self.stats.given_up += 1
            LOGGER.exception("reminder: unexpected failure for chat %s", item.updated.chat_id)

    async def _send_with_retries(self, bot: Bot, item: Claim) -> None:
        chat_id = item.updated.chat_id
        message = self._compose(item)
        attempts = len(self._retry_delays) + 1
        for attempt in range(attempts):
            try:
                async with self._slots:
                    await self._pacer.wait()
                    await bot.send_message(
                        chat_id,
                        message.text,
                        parse_mode=message.parse_mode,
                        reply_markup=message.reply_markup,
                    )
            except Forbidden:
                self.store.delete(chat_id)
                self.stats.blocked += 1
                LOGGER.info("reminder: chat %s blocked the bot; subscription removed", chat_id)
                return
            except (BadRequest, TimedOut) as error:
                self._give_up(chat_id, error, attempt + 1)
                return
            except (RetryAfter, NetworkError) as error:
                if attempt + 1 == attempts:
                    self._give_up(chat_id, error, attempts)
                    return
                delay = self._retry_delays[attempt]
                if isinstance(error, RetryAfter):
                    delay = max(delay, _seconds(error.retry_after))
                self.stats.retried += 1
                await self._sleep(delay)
            except TelegramError as error:
                self._give_up(chat_id, error, attempt + 1)
                return
            else:
                self.stats.sent += 1
                return

    def _give_up(self, chat_id: int, error: TelegramError, attempts: int) -> None:
        self.stats.given_up += 1
        LOGGER.warning(
            "reminder: gave up on chat %s after %d attempt(s): %s",
            chat_id,
            attempts,
            type(error).__name__,
        )


Context = CallbackContext[Any, Any, Any, Any]


def schedule_ticks(job_queue: JobQueue[Context], delivery: Delivery) -> Job[Context]:
    """Run the delivery tick forever on the application's job queue, first one right away."""

    async def tick(context: Context) -> None:
        delivery.tick(context.bot)

    return job_queue.run_repeating(
        tick, interval=TICK_SECONDS, first=0, name=TICK_JOB_NAME, job_kwargs=TICK_JOB_KWARGS
    )
