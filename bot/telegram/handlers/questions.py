"""Free text -> the engine's answer, with follow-up buttons; pressing one answers it.

Under a confident answer: up to 3 related questions; under a fallback: the "did you mean"
suggestions. An answer about a technique or the routine opens its walkthrough instead, so "show
me thumb walking" behaves like choosing it from /techniques.

Edited messages are answered as new questions: a person who fixes a typo wants the answer to
the corrected question, and the earlier answer stays above it for reference.

An answer from the knowledge carries a 👍 / 👎 row under its follow-ups (handlers/feedback.py
handles the press). After a 👎 the person's next message is what they were looking for: it is
kept for the review and thanked, not answered, unless it describes an emergency.
"""

import time

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.engine import Kind, Reply
from bot.telegram.actions import Answer, Feedback
from bot.telegram.audience import ADDRESSED, without_mention
from bot.telegram.buttons import keyboard
from bot.telegram.chat_language import chat_language, remember_language
from bot.telegram.chat_memory import conversation, remember_answer, take_miss
from bot.telegram.handlers.techniques import show_step
from bot.telegram.replies import send_text
from bot.telegram.routing import on_button
from bot.telegram.services import services

MAX_FOLLOW_UPS = 3
WALKTHROUGH_KINDS = frozenset({Kind.TECHNIQUE, Kind.ROUTINE})
RATED_KINDS = frozenset({Kind.FAQ, Kind.SAFETY})


async def present(context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Reply) -> None:
    """Send a reply: a walkthrough for techniques, otherwise the text with follow-ups."""
    if reply.entry_id is not None:
        remember_answer(context, reply.entry_id)
    if reply.kind in WALKTHROUGH_KINDS and reply.entry_id is not None:
        await show_step(context, chat_id, reply.entry_id, 0)
        return
    found = services(context)
    offers = reply.suggestions if reply.kind is Kind.FALLBACK else reply.related
    buttons = [found.codec.button(offer.label, Answer(offer.entry_id)) for offer in offers]
    markup = keyboard(buttons[:MAX_FOLLOW_UPS])
    if reply.kind in RATED_KINDS and reply.entry_id is not None:
        verdicts = [("feedback_helpful", 1), ("feedback_unhelpful", 0)]
        markup = InlineKeyboardMarkup(
            [
                *markup.inline_keyboard,
                [
                    found.codec.button(
                        found.engine.text(label, reply.language), Feedback(reply.entry_id, value)
                    )
                    for label, value in verdicts
                ],
            ]
        )
    await send_text(context.bot, chat_id, reply.text, markup if markup.inline_keyboard else None)


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    found = services(context)
    text = without_mention(message)
    started = time.perf_counter()
    reply = found.engine.answer(text, context=conversation(context))
    found.metrics.answer_timed(time.perf_counter() - started)
    await remember_language(context, message.chat_id, reply.language)
    missed = take_miss(context)
    if missed is not None and reply.kind is not Kind.URGENT:
        await found.review_log.followed_up(message.chat_id, text, reply, missed)
        thanks = found.engine.text("feedback_thanks", reply.language)
        await send_text(context.bot, message.chat_id, thanks)
        return
    await found.review_log.replied(message.chat_id, text, reply)
    found.metrics.reply_sent(reply.kind.value)
    await present(context, message.chat_id, reply)


async def on_answer(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: Answer) -> None:
    assert update.effective_chat is not None
    reply = services(context).engine.reply_for(payload.entry_id, chat_language(context))
    await present(context, update.effective_chat.id, reply)


def register(application: Application) -> None:
    questions = filters.UpdateType.MESSAGES & filters.TEXT & ~filters.COMMAND & ADDRESSED
    application.add_handler(MessageHandler(questions, answer_question))
    application.add_handler(on_button(Answer, on_answer))
