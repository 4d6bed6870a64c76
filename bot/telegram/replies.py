"""Sending text the person should see: escaped for HTML and split at Telegram's limit.

Buttons go under the last piece only, so they stay next to the end of the answer (where the
disclaimer is) however long the reply.
"""

from telegram import Bot, InlineKeyboardMarkup, Message

from bot.telegram.formatting import PARSE_MODE, html_messages


async def send_text(
    bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message:
    *leading, last = html_messages(text)
    for piece in leading:
        await bot.send_message(chat_id, piece, parse_mode=PARSE_MODE)
    return await bot.send_message(chat_id, last, parse_mode=PARSE_MODE, reply_markup=markup)
