"""Text normalisation shared by matching, triage and the knowledge checks.

People type with accents, emoji, zero-width joiners, smart quotes and shouting; all of it is
folded away here so the rest of the engine compares plain lowercase ASCII-ish words.
"""

import re
import unicodedata

# Only this much of one passage is analysed at a time, so the cost of a message is bounded;
# a long message is read sentence by sentence (bot/engine/reading.py), not cut here.
MAX_ANALYSED_CHARS = 600
# Urgent symptoms are looked for in the whole of any message Telegram can carry (4,096
# characters), so a long story that ends with "and now my chest hurts" is never missed.
MAX_TRIAGE_CHARS = 5_000

# Invisible characters that separate words; accents (combining marks after decomposition) and
# invisible joiners or direction marks are dropped; anything else that is not a letter or digit,
# emoji and punctuation included, becomes a space.
_INVISIBLE_SPACES = re.compile("[\u200b\u2060\ufeff\u00a0]")
_DROPPED = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
    "\u00ad\u200c-\u200f\u202a-\u202e\u2066-\u2069]"
)
_APOSTROPHES = re.compile("['\u2019`\u00b4]")
# Every run of anything else, spaces included, becomes one space.
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalize(text: str, max_chars: int = MAX_ANALYSED_CHARS) -> str:
    """Fold case, accents, punctuation, emoji and invisible characters into single-spaced words."""
    text = _INVISIBLE_SPACES.sub(" ", text[: max_chars * 2])
    decomposed = _DROPPED.sub("", unicodedata.normalize("NFKD", text))
    folded = _APOSTROPHES.sub("", decomposed.casefold())
    return _NON_WORD.sub(" ", folded).strip()[:max_chars]


_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s")


def stem(word: str) -> str:
    """Cut common English endings so 'massaging', 'massages' and 'massage' compare equal."""
    if len(word) <= 4 or word.isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix in {"ies", "ied"} else "")
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word
