"""Button presses to handlers: decoding, answering the query and catching stale buttons.

``on_button(action, callback)`` gives a handler that answers the callback query (so the client's
spinner stops), decodes the data against the running knowledge version and passes the arguments
on. A stale version, or arguments the knowledge no longer has (KeyError, IndexError, ValueError
from the callback), lead to "this menu is out of date" and a fresh menu.
``stale_button_handler()`` is registered after every feature to catch any other button.
"""

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.telegram.callbacks import action_of, decode
from bot.telegram.menu import answer_out_of_date
from bot.telegram.services import services

_log = logging.getLogger(__name__)

ButtonCallback = Callable[[Update, ContextTypes.DEFAULT_TYPE, list[str]], Awaitable[None]]


def on_button(
    action: str, callback: ButtonCallback
) -> CallbackQueryHandler[ContextTypes.DEFAULT_TYPE, None]:
    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        assert query.data is not None
        decoded = decode(query.data, services(context).engine.version)
        if decoded is None:
            await answer_out_of_date(update, context)
            return
        await query.answer()
        try:
            await callback(update, context, decoded[1])
        except (KeyError, IndexError, ValueError):
            _log.warning("button %s with unusable arguments %s", action, decoded[1], exc_info=True)
            await answer_out_of_date(update, context, query_answered=True)

    return CallbackQueryHandler(handle, pattern=lambda data: action_of(data) == action)


def stale_button_handler() -> CallbackQueryHandler[ContextTypes.DEFAULT_TYPE, None]:
    return CallbackQueryHandler(answer_out_of_date)
