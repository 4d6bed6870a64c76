"""/help: what the bot can do, with example questions (the engine's help text).

``unknown_command_handler()`` is registered after every feature, so a command no feature knows
("/foo", a typo of a real one) gets a pointer to /help instead of silence.
"""

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot.telegram.audience import ADDRESSED
from bot.telegram.chat_language import chat_language
from bot.telegram.replies import send_text
from bot.telegram.services import services


async def show_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    help_text = services(context).engine.text("help", chat_language(context))
    await send_text(context.bot, update.effective_chat.id, help_text)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("help", show_help))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    text = services(context).engine.text("unknown_command", chat_language(context))
    await send_text(context.bot, update.effective_chat.id, text)


def unknown_command_handler() -> MessageHandler[ContextTypes.DEFAULT_TYPE, None]:
    return MessageHandler(filters.COMMAND & ADDRESSED, unknown_command)
