"""Technique diagrams in Telegram: finding the committed picture, sending it.

The first send of a picture uploads it and keeps the ``file_id`` Telegram returns; every later
send, for any person, passes that id instead, so each picture is uploaded once per bot. The cache
key includes a hash of the PNG bytes, so a redrawn picture is uploaded again rather than showing
the old one.
"""

import asyncio
import hashlib
import logging
from functools import lru_cache
from pathlib import Path

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import MessageLimit
from telegram.error import BadRequest

from bot.config import Settings
from bot.engine.languages import Language
from bot.pictures.files import picture_path
from bot.storage import Store
from bot.telegram.formatting import PARSE_MODE, escape, utf16_length

_log = logging.getLogger(__name__)

MAX_CAPTION_LENGTH = int(MessageLimit.CAPTION_LENGTH)


def technique_picture(settings: Settings, entry_id: str, language: Language) -> Path | None:
    """The technique's committed picture in ``language``; without one the walkthrough is text."""
    path = picture_path(settings.knowledge_dir, entry_id, language)
    return path if path.is_file() else None


def fits_caption(text: str) -> bool:
    """Telegram counts the caption limit in UTF-16 units of the text after entity parsing."""
    return utf16_length(text) <= MAX_CAPTION_LENGTH


def cache_key(path: Path) -> str:
    """The file_id cache key: a redrawn picture has a new key, so it is uploaded again."""
    status = path.stat()
    digest = _digest(path, status.st_mtime_ns, status.st_size)
    return f"picture:{path.parent.name}/{path.stem}:{digest}"


@lru_cache(maxsize=64)
def _digest(path: Path, modified_ns: int, size: int) -> str:
    """A picture changes only when replaced (new time or size), so each is hashed once."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


async def send_picture(
    bot: Bot,
    store: Store,
    chat_id: int,
    path: Path,
    caption: str,
    markup: InlineKeyboardMarkup,
) -> Message:
    """Send the picture with a plain-text caption, by cached ``file_id`` when there is one."""
    key = await asyncio.to_thread(cache_key, path)
    cached = await store.call(Store.get_file_id, key)
    if cached is not None:
        try:
            return await _send_photo(bot, chat_id, cached, caption, markup)
        except BadRequest as error:
            # A file_id can stop working (another bot token, a purged file): upload afresh.
            _log.warning("cached picture %s was refused (%s); uploading it again", key, error)
    png = await asyncio.to_thread(path.read_bytes)
    upload = InputFile(png, filename=path.name)  # a .png name gives Telegram the image type
    message = await _send_photo(bot, chat_id, upload, caption, markup)
    if message.photo:
        await store.call(Store.set_file_id, key, message.photo[-1].file_id)
    return message


async def _send_photo(
    bot: Bot, chat_id: int, photo: str | InputFile, caption: str, markup: InlineKeyboardMarkup
) -> Message:
    return await bot.send_photo(
        chat_id, photo, caption=escape(caption), parse_mode=PARSE_MODE, reply_markup=markup
    )
