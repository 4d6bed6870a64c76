"""Reading updates: one the library cannot parse is skipped, never retried forever, and a second
poller stops.

python-telegram-bot parses a whole getUpdates batch at once, so one update it cannot read (an
older self-hosted Bot API server omits fields the library requires) fails the batch, the offset
never moves past it, and polling spins on the same batch while nobody is answered. Here each
update is checked on its own: an unreadable one is replaced by an empty update with the same id,
so its offset is confirmed and no handler sees it, and one WARNING names only its ``update_id``
(an update carries people's messages, which never go into a log).

Telegram answers getUpdates with 409 Conflict while another process polls with the same token,
and python-telegram-bot would retry that forever, each poller knocking the other off in turn.
Here the first 409 is noted in the bot's ``PollingConflict`` and calls its ``stop`` (the
application's ``stop_running``), so the process stops and says why in one line
(bot/telegram/app.py).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict
from telegram.ext import ExtBot

_log = logging.getLogger(__name__)

JSONDict = dict[str, Any]


def readable_update(data: object, bot: Bot) -> JSONDict | None:
    """``data`` if the library can read it, else an empty update with its id, else None."""
    if not isinstance(data, dict):
        _log.warning("skipped an update that is not a JSON object")
        return None
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        _log.warning("skipped an update without a usable update_id")
        return None
    try:
        Update.de_json(data, bot)
    except Exception:  # the library raises anything from KeyError to TypeError here
        _log.warning("skipped update %d: python-telegram-bot cannot read it", update_id)
        return {"update_id": update_id}
    return data


@dataclass
class PollingConflict:
    """Whether getUpdates met a 409 Conflict; ``stop`` is called when it does."""

    seen: bool = False
    stop: Callable[[], None] | None = None


class TolerantBot(ExtBot[Any]):
    """An ExtBot whose getUpdates results go through ``readable_update`` one by one, and which
    stops polling at the first 409 Conflict."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():  # python-telegram-bot freezes its objects once built
            self.polling_conflict = PollingConflict()

    async def _post(self, endpoint: str, data: JSONDict | None = None, **kwargs: Any) -> Any:
        try:
            result = await super()._post(endpoint, data, **kwargs)
        except Conflict:
            if endpoint != "getUpdates":
                raise
            self.polling_conflict.seen = True
            if self.polling_conflict.stop is not None:
                self.polling_conflict.stop()
            return []
        if endpoint != "getUpdates" or not isinstance(result, list):
            return result
        readable = (readable_update(item, self) for item in result)
        return [item for item in readable if item is not None]
