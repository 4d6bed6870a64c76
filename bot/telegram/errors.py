"""The global error handler: log the failure, tell the person, keep serving.

The log line names the update kind and chat id but never the message text (people describe
health problems). A user who blocked the bot is not a failure worth a traceback, and no apology
is attempted where it cannot be delivered.
"""

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.telegram.chat_language import chat_language
from bot.telegram.services import services

_log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat if isinstance(update, Update) else None
    chat_id = chat.id if chat is not None else None
    if isinstance(context.error, Forbidden):
        _log.info("chat %s is unreachable (%s)", chat_id, context.error)
        return
    _log.error(
        "failed to handle %s for chat %s",
        _update_kind(update),
        chat_id,
        exc_info=context.error,
    )
    if chat_id is None:
        return
    try:
        notice = services(context).engine.text("error_message", chat_language(context))
        await context.bot.send_message(chat_id, notice)
    except TelegramError as error:
        _log.warning("could not tell chat %s about the failure: %s", chat_id, error)


def _update_kind(update: object) -> str:
    if not isinstance(update, Update):
        return type(update).__name__
    fields = (name for name, value in update.to_dict().items() if name != "update_id" and value)
    return next(fields, "update")
