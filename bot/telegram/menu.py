"""The main menu (/start) and the answer to a button from an out-of-date menu.

Menu choices are resolved in handlers/start.py; this module only builds the keyboard so that any
handler can offer a fresh menu without importing the others.
"""

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.engine.languages import Language
from bot.telegram.actions import MENU_TARGETS, Menu
from bot.telegram.buttons import keyboard
from bot.telegram.chat_language import chat_language
from bot.telegram.replies import acknowledge, send_text
from bot.telegram.services import Services, services


def main_menu(found: Services, language: Language) -> InlineKeyboardMarkup:
    """Each target has a label "menu_button_<target>" in telegram.yaml."""
    buttons = [
        found.codec.button(found.engine.text(f"menu_button_{target}", language), Menu(target))
        for target in MENU_TARGETS
    ]
    return keyboard(buttons, per_row=2)


async def send_menu(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text_key: str) -> None:
    """The fixed text ``text_key`` with the main menu under it, in the chat's language."""
    found, language = services(context), chat_language(context)
    text = found.engine.text(text_key, language)
    await send_text(context.bot, chat_id, text, main_menu(found, language))


async def answer_out_of_date(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button from other knowledge or that this bot never made: say so, offer a fresh menu."""
    engine = services(context).engine
    query = update.callback_query
    if query is not None:
        await acknowledge(query, engine.text("menu_out_of_date_alert", chat_language(context)))
    chat = update.effective_chat
    if chat is not None:
        await send_menu(context, chat.id, "menu_out_of_date")
