"""Sending text the person should see: escaped for HTML and split at Telegram's limit.

Buttons go under the last piece only, so they stay next to the end of the answer (where the
disclaimer is) however long the reply.
"""

import logging

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Message
from telegram.error import BadRequest

from bot.telegram.formatting import PARSE_MODE, html_messages

_log = logging.getLogger(__name__)


async def send_text(
    bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message:
    *leading, last = html_messages(text)
    for piece in leading:
        await bot.send_message(chat_id, piece, parse_mode=PARSE_MODE)
    return await bot.send_message(chat_id, last, parse_mode=PARSE_MODE, reply_markup=markup)


async def acknowledge(query: CallbackQuery, alert: str | None = None) -> None:
    """Stop the button's spinner. Telegram refuses an answer to a query older than about
    15 seconds (a press queued while the bot was down); the press still deserves its result."""
    try:
        await query.answer(alert)
    except BadRequest as error:
        _log.info("could not answer a button press: %s", error)
