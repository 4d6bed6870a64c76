"""/safety: when not to massage and when to see a doctor (the safety overview entry)."""

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.telegram.chat_language import chat_language
from bot.telegram.handlers.questions import present
from bot.telegram.services import services


async def send_safety(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    overview = services(context).engine.safety_overview(chat_language(context))
    await present(context, chat_id, overview)


async def show_safety(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    await send_safety(context, update.effective_chat.id)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("safety", show_safety))
