"""The nightly reminder job: claim what is due, compose tonight's tip, pace it, send it.

Why one repeating tick instead of one scheduler job per subscriber: the store orders
subscriptions by next due time on an index, so each tick is one range query whatever the number
of subscribers; nothing has to be re-created in memory at start-up; a restart, a missed tick or
a changed time all resolve themselves on the next tick; and 10,000 jobs firing in the same second
would all contend for the rate limiter with no bound on how many are in flight.

Each tick claims (bot/reminders/claims.py says why claims come first) no more than
``max_in_flight`` minus what is still queued, about two seconds of sending, so a crash loses at
most that slice. ``stop`` is the clean shutdown: no new claims, every reminder not yet handed to
the Bot API is released back to the store for the next start, and those already on the wire get
``STOP_DEADLINE`` to finish.

Reminders are paced evenly at ``PACE_PER_SECOND`` (28/s) before the rate limiter: its leaky
bucket lets a burst of 30 through at once, and a burst on top of a steady 30/s is exactly what
earns a 429. Even spacing just under the limit avoids that and leaves room for replies to people
chatting at the same time. Retries are the rate limiter's alone (bot/telegram/ratelimit.py);
here a 403 (the person blocked the bot) deletes the subscription and any other final error is
logged with the chat id and error type, never the text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError
from telegram.ext import CallbackContext, Job, JobQueue

from bot.engine import Engine
from bot.engine.languages import DEFAULT_LANGUAGE, Language, language_of_code
from bot.reminders.claims import claim_due, release
from bot.reminders.plan import Claim
from bot.storage import Store
from bot.telegram.actions import Snooze, TurnOff, Walk
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.formatting import PARSE_MODE, escape
from bot.telegram.metrics import Metrics, sending_reminders

_log = logging.getLogger(__name__)

PACE_PER_SECOND = 28.0
TICK_SECONDS = 1.0
IN_FLIGHT_SECONDS = 2.0
STOP_DEADLINE = 10.0
TICK_JOB_NAME = "reminders-tick"
# misfire_grace_time=None: APScheduler's default of 1 s silently drops a tick that starts a little
# late, and a late tick is always right since it reads what is due from the store. coalesce: ticks
# missed while the loop was blocked run once, not in a burst. max_instances=1: ticks never overlap.
TICK_JOB_KWARGS: dict[str, object] = {
    "misfire_grace_time": None,
    "coalesce": True,
    "max_instances": 1,
}

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], datetime]
Context = CallbackContext[Any, Any, Any, Any]


@dataclass(frozen=True)
class Outgoing:
    """The reminder message for one chat, ready to send."""

    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    parse_mode: str | None = None


Composer = Callable[[Claim, Language], Outgoing]


@dataclass
class DeliveryStats:
    claimed: int = 0
    skipped: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    released: int = 0


def reminder_message(
    engine: Engine, codec: CallbackCodec, item: Claim, language: Language
) -> Outgoing:
    """Tonight's tip (the engine's Reply text, disclaimer included) and its three buttons, in
    the subscriber's language."""
    tip = engine.tip(item.tip_number, language)
    text = f"{engine.text('reminder_header', language)}\n\n{tip.text}"
    routine = Walk(engine.routine().id)
    buttons = [
        [codec.button(engine.text("reminder_button_routine", language), routine)],
        [
            codec.button(engine.text("reminder_button_snooze", language), Snooze()),
            codec.button(engine.text("reminder_button_off", language), TurnOff()),
        ],
    ]
    return Outgoing(escape(text), InlineKeyboardMarkup(buttons), PARSE_MODE)


def _now() -> datetime:
    return datetime.now(UTC)


class Pacer:
    """Spaces calls at least ``1 / per_second`` apart, without catching up after a stall.

    Catching up (sending the "missed" slots at once after the loop was busy) would be a burst.
    """

    def __init__(
        self,
        per_second: float,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._interval = 1.0 / per_second
        self._sleep = sleep
        self._clock = clock
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = self._clock() if self._clock else asyncio.get_running_loop().time()
            slot = max(self._next, now)
            self._next = slot + self._interval
            if slot > now:
                await self._sleep(slot - now)


class ReminderDelivery:
    """Claims due reminders on each tick and sends them with bounded concurrency."""

    def __init__(
        self,
        store: Store,
        compose: Composer,
        *,
        max_in_flight: int = int(PACE_PER_SECOND * IN_FLIGHT_SECONDS),
        concurrency: int = 16,
        pacer: Pacer | None = None,
        clock: Clock = _now,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.stats = DeliveryStats()
        self._metrics = metrics or Metrics()
        self._compose = compose
        self._max_in_flight = max_in_flight
        self._slots = asyncio.Semaphore(concurrency)
        self._pacer = pacer or Pacer(PACE_PER_SECOND)
        self._clock = clock
        self._queued: dict[asyncio.Task[None], Claim] = {}
        self._on_the_wire: set[asyncio.Task[None]] = set()
        self._stopped = False

    @property
    def in_flight(self) -> int:
        return len(self._queued) + len(self._on_the_wire)

    async def tick(self, bot: Bot) -> int:
        """Claim what is due now and start sending it in the background; returns how many.

        Only the process the store names as the sender claims anything (one per data folder
        on SQLite, the holder of an advisory lock on PostgreSQL: bot/storage/postgres.py).
        """
        room = self._max_in_flight - self.in_flight
        if self._stopped or room <= 0 or not await self.store.call(Store.may_send_reminders):
            return 0
        claims = await self.store.call(claim_due, self._clock(), room)
        if self._stopped:  # stopped while claiming: give the claims straight back
            self.stats.released += await self.store.call(release, claims)
            return 0
        to_send = [c for c in claims if c.send]
        self.stats.claimed += len(claims)
        self.stats.skipped += len(claims) - len(to_send)
        chat_ids = [item.updated.chat_id for item in to_send]
        languages = await self.store.call(Store.chat_languages, chat_ids) if to_send else {}
        for item in to_send:
            language = language_of_code(languages.get(item.updated.chat_id)) or DEFAULT_LANGUAGE
            task = asyncio.create_task(self._deliver(bot, item, language))
            self._queued[task] = item
            task.add_done_callback(self._forget_task)
        return len(to_send)

    async def drain(self) -> None:
        """Wait until every started send has finished."""
        while self.in_flight:
            await asyncio.gather(*self._queued, *self._on_the_wire)

    async def stop(self, deadline: float = STOP_DEADLINE) -> None:
        """Claim nothing more, release what was not sent yet, give the rest ``deadline``."""
        self._stopped = True
        queued = dict(self._queued)
        for task in queued:
            task.cancel()
        await asyncio.gather(*queued, return_exceptions=True)
        self.stats.released += await self.store.call(release, list(queued.values()))
        if self._on_the_wire:
            _, unfinished = await asyncio.wait(set(self._on_the_wire), timeout=deadline)
            for task in unfinished:
                task.cancel()
            if unfinished:
                _log.warning("stopped with %d reminder(s) possibly unsent", len(unfinished))
        if queued:
            _log.info("released %d unsent reminder(s) for the next start", len(queued))

    def _forget_task(self, task: asyncio.Task[None]) -> None:
        self._queued.pop(task, None)
        self._on_the_wire.discard(task)

    async def _deliver(self, bot: Bot, item: Claim, language: Language) -> None:
        chat_id = item.updated.chat_id
        message = self._compose(item, language)
        async with self._slots:
            await self._pacer.wait()
            task = asyncio.current_task()
            assert task is not None
            del self._queued[task]
            self._on_the_wire.add(task)
            try:
                with sending_reminders():
                    await bot.send_message(
                        chat_id,
                        message.text,
                        parse_mode=message.parse_mode,
                        reply_markup=message.reply_markup,
                    )
            except Forbidden:
                await self.store.call(Store.delete, chat_id)
                self.stats.blocked += 1
                self._metrics.reminder_blocked()
                _log.info("reminder: chat %s blocked the bot; subscription removed", chat_id)
            except TelegramError as error:
                self.stats.failed += 1
                self._metrics.reminder_failed()
                _log.warning("reminder for chat %s not sent: %s", chat_id, type(error).__name__)
            else:
                self.stats.sent += 1
                self._metrics.reminder_sent(self._lag_seconds(item))

    def _lag_seconds(self, item: Claim) -> float:
        """How long after its scheduled minute the reminder went out."""
        due = item.previous.next_due_utc
        assert due is not None, "only a scheduled subscription is claimed"
        return max(0.0, self._clock().timestamp() - due)


def schedule_ticks(job_queue: JobQueue[Context], delivery: ReminderDelivery) -> Job[Context]:
    """Run the delivery tick forever on the application's job queue, first one right away."""

    async def tick(context: Context) -> None:
        await delivery.tick(context.bot)

    return job_queue.run_repeating(
        tick, interval=TICK_SECONDS, first=0, name=TICK_JOB_NAME, job_kwargs=TICK_JOB_KWARGS
    )
