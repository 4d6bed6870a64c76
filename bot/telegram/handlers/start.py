"""/start: a short greeting and the main menu; the menu's buttons.

``/start <entry-id>`` is what a deep link (``t.me/<bot>?start=thumb-walking``, the walkthrough's
"share" link) sends: it opens that technique's (or the routine's) walkthrough instead.
"""

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.telegram.actions import Menu
from bot.telegram.chat_language import chat_language
from bot.telegram.handlers import safety, techniques
from bot.telegram.menu import send_menu
from bot.telegram.replies import send_text
from bot.telegram.routing import on_button
from bot.telegram.services import services


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    engine = services(context).engine
    walkable = {entry.id for entry in engine.techniques()} | {engine.routine().id}
    linked = context.args[0] if context.args else None
    if linked in walkable:
        await techniques.show_step(context, chat_id, linked, 0)
        return
    await send_menu(context, chat_id, "greeting")


async def open_menu_target(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: Menu
) -> None:
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    engine, language = services(context).engine, chat_language(context)
    target = payload.target
    if target == "ask":
        await send_text(context.bot, chat_id, engine.text("ask_prompt", language))
    elif target == "techniques":
        await techniques.send_technique_list(context, chat_id)
    elif target == "routine":
        await techniques.show_step(context, chat_id, engine.routine().id, 0)
    elif target == "safety":
        await safety.send_safety(context, chat_id)
    else:
        await send_text(context.bot, chat_id, engine.text("reminder_hint", language))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("start", start))
    application.add_handler(on_button(Menu, open_menu_target))
