"""Free text -> the engine's answer, with follow-up buttons; pressing one answers it.

Under a confident answer: up to 3 related questions; under a fallback: the "did you mean"
suggestions. An answer about a technique or the routine opens its walkthrough instead, so "show
me thumb walking" behaves like choosing it from /techniques.

Edited messages are answered as new questions: a person who fixes a typo wants the answer to
the corrected question, and the earlier answer stays above it for reference.
"""

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.engine import Kind, Reply
from bot.telegram.actions import Answer
from bot.telegram.audience import ADDRESSED, without_mention
from bot.telegram.buttons import keyboard
from bot.telegram.handlers.techniques import show_step
from bot.telegram.replies import send_text
from bot.telegram.routing import on_button
from bot.telegram.services import services

MAX_FOLLOW_UPS = 3
WALKTHROUGH_KINDS = frozenset({Kind.TECHNIQUE, Kind.ROUTINE})


async def present(context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Reply) -> None:
    """Send a reply: a walkthrough for techniques, otherwise the text with follow-ups."""
    if reply.kind in WALKTHROUGH_KINDS and reply.entry_id is not None:
        await show_step(context, chat_id, reply.entry_id, 0)
        return
    offers = reply.suggestions if reply.kind is Kind.FALLBACK else reply.related
    codec = services(context).codec
    buttons = [codec.button(offer.label, Answer(offer.entry_id)) for offer in offers]
    buttons = buttons[:MAX_FOLLOW_UPS]
    await send_text(context.bot, chat_id, reply.text, keyboard(buttons) if buttons else None)


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    reply = services(context).engine.answer(without_mention(message))
    await present(context, message.chat_id, reply)


async def on_answer(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: Answer) -> None:
    assert update.effective_chat is not None
    reply = services(context).engine.reply_for(payload.entry_id)
    await present(context, update.effective_chat.id, reply)


def register(application: Application) -> None:
    questions = filters.UpdateType.MESSAGES & filters.TEXT & ~filters.COMMAND & ADDRESSED
    application.add_handler(MessageHandler(questions, answer_question))
    application.add_handler(on_button(Answer, on_answer))
