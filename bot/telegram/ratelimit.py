"""The one layer that retries requests to the Bot API: Telegram's rate limits and outages.

``AIORateLimiter`` keeps the bot under Telegram's limits and honours a 429's ``retry_after``.
On top of it, a message to a person (anything that sends, edits, copies or forwards) that fails
with a 5xx or a broken connection is retried with a growing pause until ``RetryPolicy.deadline``
has passed since the first attempt, so an answer survives a Bot API outage of up to a minute.
Nothing above this layer retries: the reminder delivery and the handlers get either the result
or the final error, and the one log line written on giving up counts the attempts really made.

Not retried:
- a timeout: the message may well have been delivered, and a duplicate is worse than a gap;
- a 400 or 403: the bot's own mistake, or a person who blocked it;
- everything that is not a message (getUpdates, getMe, setWebhook, answerCallbackQuery...):
  python-telegram-bot's polling loop retries getUpdates itself, start-up calls fail fast with one
  line, and a late answer to a button press is useless.

Every call but getUpdates passes through here, attempt by attempt, so this is also where the
metrics learn of each 429 and of each call that succeeded (which /healthz reads).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter

from bot.telegram.metrics import Metrics

_log = logging.getLogger(__name__)

RETRIED_PREFIXES = ("send", "edit", "copy", "forward")
RETRY_AFTER_ATTEMPTS = 3

Result = bool | dict[str, Any] | list[dict[str, Any]]
Call = Callable[..., Coroutine[Any, Any, Result]]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """Pauses start at ``first_pause`` and double up to ``longest_pause``; no new attempt starts
    once ``deadline`` seconds have passed since the first."""

    first_pause: float = 0.5
    longest_pause: float = 8.0
    deadline: float = 60.0

    def pauses(self) -> list[float]:
        """Every pause between attempts; their sum never exceeds the deadline."""
        pauses: list[float] = []
        pause = self.first_pause
        while sum(pauses) + pause <= self.deadline:
            pauses.append(pause)
            pause = min(2 * pause, self.longest_pause)
        return pauses


PRODUCTION_POLICY = RetryPolicy()


def is_retried(endpoint: str) -> bool:
    return endpoint.startswith(RETRIED_PREFIXES)


class RetryingRateLimiter(AIORateLimiter):
    def __init__(
        self,
        policy: RetryPolicy = PRODUCTION_POLICY,
        sleep: Sleep = asyncio.sleep,
        metrics: Metrics | None = None,
    ) -> None:
        super().__init__(max_retries=RETRY_AFTER_ATTEMPTS)
        self.policy = policy
        self._pauses = policy.pauses()
        self._sleep = sleep
        self._metrics = metrics or Metrics()

    async def process_request(
        self,
        callback: Call,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        pauses = self._pauses if is_retried(endpoint) else []
        recorded = self._recorded(callback)
        for attempt, pause in enumerate([*pauses, None], start=1):
            try:
                return await super().process_request(
                    recorded, args, kwargs, endpoint, data, rate_limit_args
                )
            except (BadRequest, TimedOut):
                raise
            except NetworkError as error:
                if pause is None:
                    if attempt > 1:
                        _log.warning(
                            "%s to chat %s failed after %d attempts: %s",
                            endpoint,
                            data.get("chat_id"),
                            attempt,
                            error,
                        )
                    raise
                _log.debug("%s failed (%s); attempt %d in %.1f s", endpoint, error, attempt, pause)
                await self._sleep(pause)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _recorded(self, callback: Call) -> Call:
        """``callback``, telling the metrics how each attempt went: a 429 or a success."""

        async def attempt(*args: Any, **kwargs: Any) -> Result:
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter:
                self._metrics.rate_limited()
                raise
            self._metrics.bot_api_succeeded()
            return result

        return attempt
