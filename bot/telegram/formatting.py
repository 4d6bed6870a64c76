"""How text is made safe for Telegram: HTML escaping and splitting at the 4,096-character limit.

The bot sends every message with ``parse_mode=HTML`` and escapes all of the text it did not write
itself (engine replies quote knowledge entries, and nothing a person types is ever trusted), so a
message full of ``<``, ``&``, ``*`` or ``_`` cannot break a reply. Telegram counts the limit in
UTF-16 code units after entity parsing, so text is split *before* escaping.
"""

import html

from telegram.constants import MessageLimit, ParseMode

PARSE_MODE = ParseMode.HTML
MAX_MESSAGE_LENGTH = int(MessageLimit.MAX_TEXT_LENGTH)

# Preferred places to split, best first: between paragraphs, between lines, between words.
_BREAKS = ("\n\n", "\n", " ")


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Pieces of at most ``limit`` UTF-16 units, cut at the last paragraph break that fits."""
    pieces = []
    rest = text.strip()
    while utf16_length(rest) > limit:
        cut = _cut_point(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def html_messages(text: str) -> list[str]:
    """Plain text -> escaped HTML messages, each within Telegram's length limit."""
    return [escape(piece) for piece in split_text(text)]


def _cut_point(text: str, limit: int) -> int:
    fits = _longest_prefix(text, limit)
    for separator in _BREAKS:
        index = text.rfind(separator, 0, fits)
        if index > 0:
            return index
    return fits


def _longest_prefix(text: str, limit: int) -> int:
    """Number of characters whose UTF-16 length stays within ``limit``."""
    used = 0
    for index, character in enumerate(text):
        used += 2 if ord(character) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)
