"""The language a chat is answered in, for everything that is not free text.

A typed question decides its own language (bot/engine/languages.py). Commands, buttons, menus
and the nightly reminder have no words of their own, so they use the chat's language: the last
one the chat spoke or chose with /language, else the person's Telegram app language, else
English. It is stored per chat, so a restart, another replica and the reminder all see it, when
it differs from the app language, when chosen with /language, and when a reminder is set.

A handler in its own group, ahead of every other, reads the stored language before any feature
runs, so handlers ask ``chat_language(context)`` without waiting. One process alone with its
database (SQLite) reads it once per chat and then keeps it in ``chat_data``; with replicas
(``Store.shared``) it is read for every update, since the chat's last update may have been
handled elsewhere.
"""

from typing import Any

from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.engine.languages import DEFAULT_LANGUAGE, Language, language_of_code
from bot.storage import Store
from bot.telegram.services import services

STORED = "stored_language"
APP = "app_language"


def chat_language(context: ContextTypes.DEFAULT_TYPE) -> Language:
    """The language to use in this chat when the update has no words of its own."""
    data = context.chat_data if context.chat_data is not None else {}
    stored: Language | None = data.get(STORED)
    app: Language | None = data.get(APP)
    return stored or app or DEFAULT_LANGUAGE


async def remember_language(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, language: Language, *, keep: bool = False
) -> None:
    """Make ``language`` this chat's language.

    It is stored only when the chat would not get it anyway: most people write in their app's
    language, and a write per new chat would cost every first message a database commit. With
    ``keep`` it is stored whatever it is, because what relies on it may come with no update to
    read the app language from (the nightly reminder) or must outlive a change of app language
    (a choice made with /language).
    """
    if context.chat_data is None:
        return
    stored = context.chat_data.get(STORED)
    if stored is not language and (keep or chat_language(context) is not language):
        await services(context).store.call(Store.set_chat_language, chat_id, language.value)
        context.chat_data[STORED] = language


def forget_language(context: ContextTypes.DEFAULT_TYPE) -> None:
    """After /forget: the store no longer has it, so neither does this update."""
    if context.chat_data is not None:
        context.chat_data.pop(STORED, None)


async def _read_language(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not isinstance(update, Update) or context.chat_data is None:
        return
    chat, user = update.effective_chat, update.effective_user
    store = services(context).store
    if chat is not None and (store.shared or STORED not in context.chat_data):
        code = await store.call(Store.chat_language, chat.id)
        context.chat_data[STORED] = language_of_code(code)
    context.chat_data[APP] = language_of_code(user.language_code if user else None)


def language_reader() -> TypeHandler[Any, ContextTypes.DEFAULT_TYPE, None]:
    """The handler that reads the chat's stored language ahead of every feature (it needs a
    group of its own: only one handler of a group handles an update)."""
    return TypeHandler(object, _read_language)
