"""Inline mode: ``@thebot heel`` in any chat offers up to 10 matching answers.

Each result sends the engine's reply text as it is, so health answers carry the disclaimer
there too. A result longer than one message is left out rather than cut (a cut could drop the
disclaimer at its end). Results are in the query's language, or in the person's app language
for a query too short to tell, so Telegram caches them per person.
"""

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.ext import Application, ContextTypes, InlineQueryHandler

from bot.engine import Context, Reply
from bot.engine.languages import language_of_code
from bot.telegram.formatting import PARSE_MODE, escape, split_text
from bot.telegram.services import services

MAX_RESULTS = 10
CACHE_SECONDS = 300
DESCRIPTION_LENGTH = 120


def article(reply: Reply, title: str) -> InlineQueryResultArticle:
    body = reply.text.split("\n\n", 1)[-1] if reply.text.startswith(title) else reply.text
    return InlineQueryResultArticle(
        id=reply.entry_id or title,
        title=title,
        description=body[:DESCRIPTION_LENGTH],
        input_message_content=InputTextMessageContent(escape(reply.text), parse_mode=PARSE_MODE),
    )


async def answer_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.inline_query
    assert query is not None
    engine = services(context).engine
    asking = Context(language=language_of_code(query.from_user.language_code))
    results = [
        article(reply, engine.entry(reply.entry_id, reply.language).title)
        for reply in engine.search(query.query, limit=MAX_RESULTS, context=asking)
        if reply.entry_id is not None and len(split_text(reply.text)) == 1
    ]
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=True)


def register(application: Application) -> None:
    application.add_handler(InlineQueryHandler(answer_inline))
