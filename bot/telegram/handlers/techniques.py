"""/techniques and /routine: step-by-step walkthroughs with ◀ Back · Next ▶ · Done.

A walkthrough is one message edited in place as the person moves between steps; the callback
data carries the entry id and the target step, so a double tap or an old message still lands on
a definite page. ``show_step`` is the only function that decides how a page is shown: a
technique with a diagram opens as one photo whose caption is the step text, and the buttons edit
that caption; the routine, a technique without a picture, or one with a step too long for a
caption (1,024 characters) is a text message edited in place. Done takes the buttons off the
page and offers the next technique and the routine (or, after the routine, the list of
techniques).
"""

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.engine import Engine, Kind
from bot.telegram.actions import Done, ListTechniques, Step, Walk
from bot.telegram.buttons import keyboard
from bot.telegram.chat_memory import remember_answer
from bot.telegram.formatting import PARSE_MODE, escape
from bot.telegram.pictures import fits_caption, send_picture, technique_picture
from bot.telegram.replies import send_text
from bot.telegram.routing import on_button
from bot.telegram.services import Services, services


def step_keyboard(found: Services, entry_id: str, index: int) -> InlineKeyboardMarkup:
    engine, codec = found.engine, found.codec
    last = len(engine.entry(entry_id).steps) - 1
    row = []
    if index > 0:
        row.append(codec.button(engine.text("walkthrough_back"), Step(entry_id, index - 1)))
    if index < last:
        row.append(codec.button(engine.text("walkthrough_next"), Step(entry_id, index + 1)))
    row.append(codec.button(engine.text("walkthrough_done"), Done(entry_id)))
    return InlineKeyboardMarkup([row])


async def show_step(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    entry_id: str,
    index: int,
    message: Message | None = None,
) -> None:
    """Show one page: as a new message, or by editing ``message`` in place."""
    found = services(context)
    engine = found.engine
    page = engine.step_page(entry_id, index)
    markup = step_keyboard(found, entry_id, index)
    if message is None:
        picture = technique_picture(found.settings, entry_id)
        if picture is not None and all_pages_fit_caption(engine, entry_id):
            await send_picture(
                context.bot, found.store, chat_id, entry_id, picture, page.text, markup
            )
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


def all_pages_fit_caption(engine: Engine, entry_id: str) -> bool:
    """One over-long step makes the whole walkthrough text: a photo cannot become text mid-way."""
    count = len(engine.entry(entry_id).steps)
    return all(fits_caption(engine.step_page(entry_id, index).text) for index in range(count))


def what_next(found: Services, entry_id: str) -> list[InlineKeyboardButton]:
    engine, codec = found.engine, found.codec
    entry = engine.entry(entry_id)
    if entry.kind is not Kind.TECHNIQUE:
        return [codec.button(engine.text("walkthrough_all_techniques"), ListTechniques())]
    ids = [technique.id for technique in engine.techniques()]
    position = ids.index(entry_id)
    offers = []
    if position + 1 < len(ids):
        following = engine.entry(ids[position + 1])
        label = engine.text("walkthrough_next_technique", title=following.title)
        offers.append(codec.button(label, Walk(following.id)))
    routine = Walk(engine.routine().id)
    offers.append(codec.button(engine.text("walkthrough_routine"), routine))
    return offers


async def send_technique_list(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    found = services(context)
    engine, codec = found.engine, found.codec
    buttons = [codec.button(entry.title, Walk(entry.id)) for entry in engine.techniques()]
    routine = Walk(engine.routine().id)
    buttons.append(codec.button(engine.text("techniques_button_routine"), routine))
    await send_text(context.bot, chat_id, engine.text("techniques_intro"), keyboard(buttons, 2))


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
    found = services(context)
    engine = found.engine
    offers = what_next(found, payload.entry_id)
    if isinstance(query.message, Message) and query.message.reply_markup is not None:
        await query.message.edit_reply_markup(reply_markup=None)
    finished = engine.text("walkthrough_finished", title=engine.entry(payload.entry_id).title)
    await send_text(context.bot, update.effective_chat.id, finished, keyboard(offers))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("techniques", list_techniques))
    application.add_handler(CommandHandler("routine", start_routine))
    application.add_handler(on_button(ListTechniques, on_list))
    application.add_handler(on_button(Walk, on_walk))
    application.add_handler(on_button(Step, on_step))
    application.add_handler(on_button(Done, on_done))
