"""/benefits: the 8 benefits as buttons; each answers like a question would."""

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.telegram.actions import Answer
from bot.telegram.buttons import keyboard
from bot.telegram.chat_language import chat_language
from bot.telegram.replies import send_text
from bot.telegram.services import services


async def show_benefits(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    found = services(context)
    engine, language = found.engine, chat_language(context)
    buttons = [
        found.codec.button(entry.title, Answer(entry.id)) for entry in engine.benefits(language)
    ]
    intro = engine.text("benefits_intro", language)
    await send_text(context.bot, update.effective_chat.id, intro, keyboard(buttons, 2))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("benefits", show_benefits))
