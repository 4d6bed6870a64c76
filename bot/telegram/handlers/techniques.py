"""/techniques and /routine: step-by-step walkthroughs with ◀ Back · Next ▶ · Done.

A walkthrough is one message edited in place as the person moves between steps; the callback
data carries the entry id and the target step, so a double tap or an old message still lands on
a definite page. ``show_step`` is the only function that decides how a page is shown: a
technique with a diagram opens as one photo whose caption is the step text, and the buttons edit
that caption; the routine, a technique without a picture, or one with a step too long for a
caption (1,024 characters) is a text message edited in place. Done takes the buttons off the
page and offers the next technique and the routine (or, after the routine, the list of
techniques).

The last page also offers a "share" link: Telegram's share sheet with the deep link
``t.me/<bot>?start=<entry-id>``, which opens the same walkthrough for whoever follows it, in
their own language (handlers/start.py).
"""

from urllib.parse import urlencode

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.engine import Engine, Kind
from bot.engine.languages import Language
from bot.telegram.actions import Done, ListTechniques, Step, Walk
from bot.telegram.buttons import keyboard
from bot.telegram.chat_language import chat_language
from bot.telegram.chat_memory import remember_answer
from bot.telegram.formatting import PARSE_MODE, escape
from bot.telegram.pictures import fits_caption, send_picture, technique_picture
from bot.telegram.replies import send_text
from bot.telegram.routing import on_button
from bot.telegram.services import Services, services


def share_url(bot: Bot, entry_id: str, text: str) -> str:
    """Telegram's share sheet, pre-filled with ``text`` and the walkthrough's deep link."""
    link = f"https://t.me/{bot.username}?start={entry_id}"
    return f"https://t.me/share/url?{urlencode({'url': link, 'text': text})}"


def step_keyboard(
    found: Services, bot: Bot, entry_id: str, index: int, language: Language
) -> InlineKeyboardMarkup:
    engine, codec = found.engine, found.codec
    last = len(engine.entry(entry_id).steps) - 1
    row = []
    if index > 0:
        back = engine.text("walkthrough_back", language)
        row.append(codec.button(back, Step(entry_id, index - 1)))
    if index < last:
        following = engine.text("walkthrough_next", language)
        row.append(codec.button(following, Step(entry_id, index + 1)))
    row.append(codec.button(engine.text("walkthrough_done", language), Done(entry_id)))
    if index < last:
        return InlineKeyboardMarkup([row])
    title = engine.entry(entry_id, language).title
    invitation = engine.text("walkthrough_share_text", language, title=title)
    share = InlineKeyboardButton(
        engine.text("walkthrough_share", language), url=share_url(bot, entry_id, invitation)
    )
    return InlineKeyboardMarkup([row, [share]])


async def show_step(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    entry_id: str,
    index: int,
    message: Message | None = None,
) -> None:
    """Show one page: as a new message, or by editing ``message`` in place."""
    found, language = services(context), chat_language(context)
    engine = found.engine
    page = engine.step_page(entry_id, index, language)
    markup = step_keyboard(found, context.bot, entry_id, index, language)
    if message is None:
        picture = technique_picture(found.settings, entry_id, language)
        if picture is not None and all_pages_fit_caption(engine, entry_id, language):
            await send_picture(context.bot, found.store, chat_id, picture, page.text, markup)
        else:
            await send_text(context.bot, chat_id, page.text, markup)
        return
    try:
        if message.photo:
            await message.edit_caption(
                escape(page.text), parse_mode=PARSE_MODE, reply_markup=markup
            )
        else:
            await message.edit_text(escape(page.text), parse_mode=PARSE_MODE, reply_markup=markup)
    except BadRequest as error:
        # A double tap asks for the page already shown, and Telegram refuses a no-op edit; a
        # message too old (or deleted) to edit gets the page as a new message instead.
        if "not modified" not in str(error).lower():
            await show_step(context, chat_id, entry_id, index)


def all_pages_fit_caption(engine: Engine, entry_id: str, language: Language) -> bool:
    """One over-long step makes the whole walkthrough text: a photo cannot become text mid-way."""
    count = len(engine.entry(entry_id).steps)
    pages = (engine.step_page(entry_id, index, language) for index in range(count))
    return all(fits_caption(page.text) for page in pages)


def what_next(found: Services, entry_id: str, language: Language) -> list[InlineKeyboardButton]:
    """After Done: the next technique and the routine, and a link to share this walkthrough."""
    engine, codec = found.engine, found.codec
    entry = engine.entry(entry_id, language)
    if entry.kind is not Kind.TECHNIQUE:
        all_techniques = engine.text("walkthrough_all_techniques", language)
        return [codec.button(all_techniques, ListTechniques())]
    ids = [technique.id for technique in engine.techniques()]
    position = ids.index(entry_id)
    offers = []
    if position + 1 < len(ids):
        following = engine.entry(ids[position + 1], language)
        label = engine.text("walkthrough_next_technique", language, title=following.title)
        offers.append(codec.button(label, Walk(following.id)))
    routine = Walk(engine.routine().id)
    offers.append(codec.button(engine.text("walkthrough_routine", language), routine))
    return offers


async def send_technique_list(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    found, language = services(context), chat_language(context)
    engine, codec = found.engine, found.codec
    buttons = [codec.button(e.title, Walk(e.id)) for e in engine.techniques(language)]
    routine = Walk(engine.routine().id)
    buttons.append(codec.button(engine.text("techniques_button_routine", language), routine))
    intro = engine.text("techniques_intro", language)
    await send_text(context.bot, chat_id, intro, keyboard(buttons, 2))


async def list_techniques(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    await send_technique_list(context, update.effective_chat.id)


async def start_routine(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    routine_id = services(context).engine.routine().id
    await show_step(context, update.effective_chat.id, routine_id, 0)


async def on_list(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: ListTechniques
) -> None:
    assert update.effective_chat is not None
    await send_technique_list(context, update.effective_chat.id)


async def on_walk(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: Walk) -> None:
    assert update.effective_chat is not None
    remember_answer(context, payload.entry_id)
    await show_step(context, update.effective_chat.id, payload.entry_id, 0)


async def on_step(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: Step) -> None:
    """Edit the page in place; a message Telegram no longer shows us gets a fresh page."""
    query = update.callback_query
    assert query is not None
    assert update.effective_chat is not None
    message = query.message if isinstance(query.message, Message) else None
    await show_step(context, update.effective_chat.id, payload.entry_id, payload.index, message)


async def on_done(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: Done) -> None:
    query = update.callback_query
    assert query is not None
    assert update.effective_chat is not None
    found, language = services(context), chat_language(context)
    engine = found.engine
    offers = what_next(found, payload.entry_id, language)
    if isinstance(query.message, Message) and query.message.reply_markup is not None:
        await query.message.edit_reply_markup(reply_markup=None)
    title = engine.entry(payload.entry_id, language).title
    finished = engine.text("walkthrough_finished", language, title=title)
    await send_text(context.bot, update.effective_chat.id, finished, keyboard(offers))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("techniques", list_techniques))
    application.add_handler(CommandHandler("routine", start_routine))
    application.add_handler(on_button(ListTechniques, on_list))
    application.add_handler(on_button(Walk, on_walk))
    application.add_handler(on_button(Step, on_step))
    application.add_handler(on_button(Done, on_done))
