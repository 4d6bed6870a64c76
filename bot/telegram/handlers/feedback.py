"""👍 / 👎 under an answer: recorded once per answer, and a 👎 asks what was missing.

The row goes away once pressed, so the person sees that it counted; a second press (a double
tap, or an old message whose row was kept) records nothing and says nothing. After a 👎 the bot
asks, once, what the person was looking for; handlers/questions.py keeps their next message.
"""

from datetime import UTC, datetime

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import Application, ContextTypes

from bot.storage import Store
from bot.telegram.actions import Feedback
from bot.telegram.callbacks import prefix_of
from bot.telegram.chat_language import chat_language
from bot.telegram.chat_memory import remember_miss
from bot.telegram.replies import send_text
from bot.telegram.routing import on_button
from bot.telegram.services import services


async def on_feedback(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: Feedback
) -> None:
    query = update.callback_query
    assert query is not None
    assert update.effective_chat is not None
    message = query.message if isinstance(query.message, Message) else None
    if message is None:
        return
    found = services(context)
    chat_id = update.effective_chat.id
    helpful = bool(payload.helpful)
    at = int(datetime.now(UTC).timestamp())
    person = found.store.person(chat_id)
    recorded = await found.store.call(
        Store.record_feedback, person, message.message_id, payload.entry_id, helpful, at
    )
    if not recorded:
        return
    found.metrics.feedback_given(helpful)
    await _drop_feedback_row(message)
    if helpful or not found.review_log.keep_questions:
        return
    remember_miss(context, payload.entry_id)
    await send_text(
        context.bot, chat_id, found.engine.text("feedback_ask", chat_language(context))
    )


async def _drop_feedback_row(message: Message) -> None:
    markup = message.reply_markup
    if markup is None:
        return
    rows = [
        row
        for row in markup.inline_keyboard
        if not any(prefix_of(button.callback_data) == Feedback.prefix for button in row)
    ]
    await message.edit_reply_markup(InlineKeyboardMarkup(rows) if rows else None)


def register(application: Application) -> None:
    application.add_handler(on_button(Feedback, on_feedback))
