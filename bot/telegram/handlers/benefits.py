"""/benefits: the 8 benefits as buttons; each answers like a question would."""

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.telegram.actions import Answer
from bot.telegram.buttons import keyboard
from bot.telegram.replies import send_text
from bot.telegram.services import services


async def show_benefits(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    found = services(context)
    engine = found.engine
    buttons = [found.codec.button(entry.title, Answer(entry.id)) for entry in engine.benefits()]
    intro = engine.text("benefits_intro")
    await send_text(context.bot, update.effective_chat.id, intro, keyboard(buttons, 2))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("benefits", show_benefits))
