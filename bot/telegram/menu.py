"""The main menu (/start) and the answer to a button from an out-of-date menu.

Menu actions are resolved in handlers/start.py; this module only builds the keyboard so that any
handler can offer a fresh menu without importing the others.
"""

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.engine import Engine
from bot.telegram.buttons import button, keyboard
from bot.telegram.replies import send_text
from bot.telegram.services import services

MENU = "menu"
# Menu targets, in display order; each has a label "menu_button_<target>" in telegram.yaml.
TARGETS = ("ask", "techniques", "routine", "safety", "reminder")


def main_menu(engine: Engine) -> InlineKeyboardMarkup:
    buttons = [button(engine.text(f"menu_button_{target}"), MENU, target) for target in TARGETS]
    return keyboard(buttons, per_row=2)


async def send_menu(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str) -> None:
    await send_text(context.bot, chat_id, text, main_menu(services(context).engine))


async def answer_out_of_date(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, query_answered: bool = False
) -> None:
    """A button from other knowledge or an unknown action: say so, and offer a fresh menu."""
    engine = services(context).engine
    query = update.callback_query
    if query is not None and not query_answered:
        await query.answer(engine.text("menu_out_of_date_alert"))
    chat = update.effective_chat
    if chat is not None:
        await send_menu(context, chat.id, engine.text("menu_out_of_date"))
