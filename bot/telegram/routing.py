"""Button presses to handlers: decoding, answering the query and catching stale buttons.

``on_button(Action, callback)`` gives a handler for one payload class: it decodes the data with
the running bot's codec, answers the callback query (so the client's spinner stops) and calls
``callback(update, context, payload)`` with the typed payload. Data that does not decode gets
"this menu is out of date" and a fresh menu; nothing else does, so a bug inside a handler reaches
the error handler instead of hiding behind that message. ``stale_button_handler()`` is
registered after every feature to catch any other button.
"""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.telegram.actions import Payload
from bot.telegram.callbacks import prefix_of
from bot.telegram.menu import answer_out_of_date
from bot.telegram.replies import acknowledge
from bot.telegram.services import services

P = TypeVar("P", bound=Payload)
ButtonCallback = Callable[[Update, ContextTypes.DEFAULT_TYPE, P], Awaitable[None]]


def on_button(
    action: type[P], callback: ButtonCallback[P]
) -> CallbackQueryHandler[ContextTypes.DEFAULT_TYPE, None]:
    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        payload = services(context).codec.decode(query.data)
        if not isinstance(payload, action):
            await answer_out_of_date(update, context)
            return
        await acknowledge(query)
        await callback(update, context, payload)

    return CallbackQueryHandler(handle, pattern=lambda data: prefix_of(data) == action.prefix)


def stale_button_handler() -> CallbackQueryHandler[ContextTypes.DEFAULT_TYPE, None]:
    return CallbackQueryHandler(answer_out_of_date)
