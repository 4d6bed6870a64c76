"""Which language a message is written in, so the reply comes back in the same one.

The bot speaks English and French. A message decides its own language when its words say so
clearly: most of its marker words (knowledge/language.yaml's ``language_markers``: function words
and everyday foot words that exist in one language only) or its accented letters belong to one
language, with at least two of them, or one in a message of several words. Short or ambiguous
messages ("ok", "merci", "👍", "massage") keep the chat's language: its last one, else the
person's app language (``Context.language``). Only when the chat's language is unknown does a
lone marker word ("bonsoir") decide, before English, the last resort. Elisions ("l'huile",
"qu'est-ce") are read as two words, so "l" and "qu" count as French.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Language(StrEnum):
    """A language the bot answers in; the value is its ISO 639-1 code."""

    EN = "en"
    FR = "fr"


DEFAULT_LANGUAGE = Language.EN
# A message decides its language with at least this many marker words, or one marker word in a
# message of at least two words that has none of the other language.
DECISIVE_MARKERS = 2


@dataclass(frozen=True)
class Detection:
    """The language most of a message's marker words belong to; ``clear`` when there are enough
    of them to override the chat's language."""

    language: Language
    clear: bool


_WORDS = re.compile(r"[^\W\d_]+")
# Letters that appear in French words and never in English ones.
_FRENCH_LETTERS = frozenset("éèêëàâîïôûùüçœ")
_MAX_WORDS = 200


def language_of_code(code: str | None) -> Language | None:
    """The language of a locale code such as Telegram's ``language_code`` ("fr", "fr-CA")."""
    if not code:
        return None
    primary = code.split("-")[0].split("_")[0].casefold()
    return next((language for language in Language if language.value == primary), None)


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class LanguageDetector:
    """Tells English from French by marker words and accents."""

    def __init__(self, markers: Mapping[str, Iterable[str]]) -> None:
        self._markers: dict[str, Language] = {}
        for code, words in markers.items():
            language = language_of_code(code)
            if language is None:
                continue
            for word in words:
                self._markers[_fold(str(word).casefold())] = language

    def detect(self, message: str) -> Detection | None:
        """The language the message's words point to, if any, and how clearly."""
        words = _WORDS.findall(message.casefold())[:_MAX_WORDS]
        votes = dict.fromkeys(Language, 0)
        for word in words:
            if _FRENCH_LETTERS.intersection(word):
                votes[Language.FR] += 1
                continue
            language = self._markers.get(_fold(word))
            if language is not None:
                votes[language] += 1
        ranked = sorted(votes.items(), key=lambda item: -item[1])
        (best, most), (_, second) = ranked[0], ranked[1]
        if most <= second:
            return None
        clear = most >= DECISIVE_MARKERS or (second == 0 and len(words) >= 2)
        return Detection(best, clear)
