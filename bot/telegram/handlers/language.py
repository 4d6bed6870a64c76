"""/language: choose English or French with a button (or ``/language fr``).

A typed question is still answered in the language it is written in; the choice is the chat's
language for everything without words of its own: commands, buttons, reminders and short
messages such as "ok" (bot/telegram/chat_language.py). It is stored per chat, so /privacy
lists it and /forget deletes it.
"""

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.engine.languages import Language, language_of_code
from bot.telegram.actions import ChooseLanguage
from bot.telegram.buttons import keyboard
from bot.telegram.chat_language import chat_language, remember_language
from bot.telegram.menu import send_menu
from bot.telegram.replies import send_text
from bot.telegram.routing import on_button
from bot.telegram.services import services


async def language_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    chosen = language_of_code(context.args[0]) if context.args else None
    if chosen is not None:
        await _choose(context, chat_id, chosen)
        return
    found = services(context)
    buttons = [
        found.codec.button(
            found.engine.text("language_name", language), ChooseLanguage(language.value)
        )
        for language in Language
    ]
    prompt = found.engine.text("language_prompt", chat_language(context))
    await send_text(context.bot, chat_id, prompt, keyboard(buttons, per_row=len(buttons)))


async def on_choose(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: ChooseLanguage
) -> None:
    assert update.effective_chat is not None
    await _choose(context, update.effective_chat.id, Language(payload.code))


async def _choose(context: ContextTypes.DEFAULT_TYPE, chat_id: int, language: Language) -> None:
    """Store the choice, then confirm it in that language with the main menu."""
    await remember_language(context, chat_id, language, keep=True)
    await send_menu(context, chat_id, "language_chosen")


def register(application: Application) -> None:
    application.add_handler(CommandHandler("language", language_command))
    application.add_handler(on_button(ChooseLanguage, on_choose))
