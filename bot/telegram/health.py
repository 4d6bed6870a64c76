"""Is the bot healthy: what ``GET /healthz`` checks, and the probe that keeps its answer honest.

Healthy means the knowledge is loaded, the database takes a write now, and a Bot API call has
succeeded within ``Settings.health_window``: a minute by default, as long as the retry layer
keeps trying to deliver a message (bot/telegram/ratelimit.py).

What "recently" means while nobody writes: the rate limiter records every call that succeeds,
but python-telegram-bot sends getUpdates around it, and in webhook mode an idle bot makes no
call at all. So whenever nothing has succeeded for a quarter of the window, ``IdleProbe`` asks
Telegram who the bot is (getMe, a few bytes). In both modes a reachable Bot API keeps the last
success at most a quarter window (plus one call) old, and one that cannot be reached fails the
check one window after the last success: between 45 and 60 seconds into an outage.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot
from telegram.error import TelegramError

from bot.engine import Engine
from bot.storage import Store
from bot.telegram.metrics import Metrics

_log = logging.getLogger(__name__)

PROBE_SHARE = 4  # probe after a quarter of the window without a success
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class HealthReport:
    knowledge: bool
    database: bool
    bot_api: bool
    seconds_since_bot_api_success: float | None

    @property
    def healthy(self) -> bool:
        return self.knowledge and self.database and self.bot_api

    def as_json(self) -> dict[str, Any]:
        checks = {"knowledge": self.knowledge, "database": self.database, "bot_api": self.bot_api}
        since = self.seconds_since_bot_api_success
        return {
            "status": "ok" if self.healthy else "failing",
            "failing": [name for name, passed in checks.items() if not passed],
            "bot_api_seconds_since_success": None if since is None else round(since, 1),
        }


class Health:
    def __init__(
        self,
        engine: Engine,
        store: Store,
        metrics: Metrics,
        window: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``clock`` gives Unix time, as the metrics' clock does."""
        self._engine = engine
        self._store = store
        self._metrics = metrics
        self.window = window
        self._clock = clock

    def seconds_since_bot_api_success(self) -> float | None:
        last = self._metrics.last_bot_api_success
        return None if last is None else self._clock() - last

    def seconds_until_probe(self) -> float:
        """0 once nothing has succeeded for a quarter of the window."""
        since = self.seconds_since_bot_api_success()
        return 0.0 if since is None else max(0.0, self.window / PROBE_SHARE - since)

    async def report(self) -> HealthReport:
        since = self.seconds_since_bot_api_success()
        return HealthReport(
            knowledge=bool(self._engine.knowledge.entries),
            database=await self._store.call(Store.writable),
            bot_api=since is not None and since <= self.window,
            seconds_since_bot_api_success=since,
        )


class IdleProbe:
    """Calls getMe every quarter window in which no Bot API call has succeeded."""

    def __init__(self, health: Health, bot: Bot, sleep: Sleep = asyncio.sleep) -> None:
        self._health = health
        self._bot = bot
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self.run())

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    async def probe_if_idle(self) -> None:
        """A failure needs no log line of its own: /healthz reports it."""
        if self._health.seconds_until_probe() > 0:
            return
        try:
            await self._bot.get_me()
        except TelegramError as error:
            _log.debug("health probe: getMe failed (%s)", type(error).__name__)

    async def run(self) -> None:
        """Until cancelled; after a failed probe, the next one waits a quarter window too."""
        while True:
            await self.probe_if_idle()
            quarter = self._health.window / PROBE_SHARE
            await self._sleep(self._health.seconds_until_probe() or quarter)
