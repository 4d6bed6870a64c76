"""Telegram's rate limits and transient failures, handled below the handlers.

``AIORateLimiter`` keeps the bot under Telegram's limits and honours a 429's ``retry_after``
(only when ``max_retries`` is set). On top of it, a request that fails with a 5xx or a broken
connection is retried after a short, growing pause. A timeout is not retried: the message may
well have been delivered, and a duplicate answer is worse than a missing one. A 400 is the
bot's own mistake and is never retried.
"""

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter

_log = logging.getLogger(__name__)

RETRY_AFTER_ATTEMPTS = 3
BACKOFF_SECONDS = (0.5, 1.0, 2.0)

Result = bool | dict[str, Any] | list[dict[str, Any]]


class RetryingRateLimiter(AIORateLimiter):
    def __init__(self, backoff: tuple[float, ...] = BACKOFF_SECONDS) -> None:
        super().__init__(max_retries=RETRY_AFTER_ATTEMPTS)
        self.backoff = backoff

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        for pause in (*self.backoff, None):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except (BadRequest, TimedOut):
                raise
            except NetworkError as error:
                if pause is None:
                    raise
                _log.warning("%s failed (%s); retrying in %.1f s", endpoint, error, pause)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable: the last attempt returns or raises")
