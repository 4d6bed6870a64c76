"""Stickers, photos, voice, locations, documents and the like: "I can read text messages"."""

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.telegram.audience import ADDRESSED
from bot.telegram.chat_language import chat_language
from bot.telegram.replies import send_text
from bot.telegram.services import services

NOT_TEXT = (
    filters.Sticker.ALL
    | filters.PHOTO
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.LOCATION
    | filters.VENUE
    | filters.CONTACT
    | filters.Document.ALL
    | filters.POLL
    | filters.Dice.ALL
)


async def text_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    notice = services(context).engine.text("text_only", chat_language(context))
    await send_text(context.bot, update.effective_chat.id, notice)


def register(application: Application) -> None:
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & NOT_TEXT & ADDRESSED, text_only)
    )
