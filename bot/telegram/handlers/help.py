"""/help: what the bot can do, with example questions (the engine's help text)."""

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.telegram.replies import send_text
from bot.telegram.services import services


async def show_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    help_text = services(context).engine.text("help")
    await send_text(context.bot, update.effective_chat.id, help_text)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("help", show_help))
