"""Text normalisation shared by matching, triage and the knowledge checks.

People type with accents, emoji, zero-width joiners, smart quotes and shouting; all of it is
folded away here so the rest of the engine compares plain lowercase ASCII-ish words.
"""

import re
import unicodedata

# Only this much of a message is analysed: a 5,000-character rant costs about the same as a
# short question, and the opening of a message carries its question.
MAX_ANALYSED_CHARS = 600

# Invisible characters that separate words; other invisible formatting characters are dropped.
_INVISIBLE_SPACES = re.compile("[\u200b\u2060\ufeff\u00a0]")
_APOSTROPHES = re.compile("['\u2019`\u00b4]")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Fold case, accents, punctuation, emoji and invisible characters into single-spaced words."""
    text = _INVISIBLE_SPACES.sub(" ", text[: MAX_ANALYSED_CHARS * 2])
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(
        ch for ch in decomposed if unicodedata.category(ch) not in {"Mn", "Cf", "Cc", "Co", "Cs"}
    )
    folded = _APOSTROPHES.sub("", kept.casefold())
    folded = _NON_WORD.sub(" ", folded)
    return _SPACES.sub(" ", folded).strip()[:MAX_ANALYSED_CHARS]


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
