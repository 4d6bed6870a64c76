"""Read a misspelt symptom word as the word it stands for, and never turn a real word into one.

Only words the triage rules use are targets ("swollen", "breathing"), only the first letter is
trusted, and only small slips are forgiven: one edit, two for long words. Short targets are
reached only by swapped or doubled letters ("pian", "calff"), since one changed letter turns too
many real words into them ("paid" is not "pain"). Real words that are still within reach of a
target are listed in knowledge/triage.yaml (`real_words`) and are never corrected: "blending"
stays "blending", not "bleeding". tests/test_red_flags.py checks that list against English and
French dictionaries.
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from bot.engine.compact import CompactSet

# Words shorter than this are never corrected: too many real words sit one edit apart.
MIN_LENGTH = 4
# Targets this short are reached only by a swapped or a doubled letter.
SHORT_TARGET = 4
# From this length on, two edits are forgiven ("temprature").
TWO_EDITS = 8
_CACHE_LIMIT = 20_000
# Possible typos corrected per message: the rest of an unusually long message of unknown words is
# read as written, so its cost stays bounded. Cached answers count too, so that a message is read
# the same whatever messages came before it.
POSSIBLE_TYPOS_PER_MESSAGE = 250


class Typos:
    """Corrects words towards a fixed set of targets; answers are cached per word."""

    def __init__(
        self, targets: Iterable[str], real_words: Iterable[str], real_prefixes: Iterable[str] = ()
    ) -> None:
        self._targets = frozenset(t for t in targets if len(t) >= MIN_LENGTH and t.isalpha())
        # Membership only, so hashes: thousands of words as strings would cost half a megabyte.
        self._real_words = CompactSet(real_words)
        # Words starting like a real word of the rules ("gonfl*") are known words, not typos.
        prefixes = sorted(real_prefixes, key=len, reverse=True)
        self._real_prefix = re.compile("|".join(map(re.escape, prefixes)) or "(?!)")
        self._short = {t for t in self._targets if len(t) <= SHORT_TARGET}
        self._short_by_letters: dict[str, list[str]] = defaultdict(list)
        for target in sorted(self._short):
            self._short_by_letters["".join(sorted(target))].append(target)
        # Long targets a word may be corrected to, by the word's first letter and length.
        self._near: dict[tuple[str, int], list[str]] = defaultdict(list)
        for target in sorted(self._targets - self._short):
            for length in range(len(target) - 2, len(target) + 3):
                if abs(length - len(target)) <= (2 if length >= TWO_EDITS else 1):
                    self._near[target[0], length].append(target)
        self._cache: dict[str, str] = {}

    def corrector(self) -> Callable[[str], str]:
        """``correct`` for one message, within the budget of possible typos."""
        budget = POSSIBLE_TYPOS_PER_MESSAGE

        def correct(word: str) -> str:
            nonlocal budget
            if budget <= 0 or not self._may_be_typo(word):
                return word
            budget -= 1
            return self._corrected(word)

        return correct

    def correct(self, word: str) -> str:
        """The target a typo stands for, or the word itself."""
        return self._corrected(word) if self._may_be_typo(word) else word

    def _may_be_typo(self, word: str) -> bool:
        return (
            len(word) >= MIN_LENGTH
            and word.isalpha()
            and word not in self._targets
            and word not in self._real_words
            and not self._real_prefix.match(word)
        )

    def _corrected(self, word: str) -> str:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        fixed = self._swapped_or_doubled(word) or self._closest_long(word) or word
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = fixed
        return fixed

    def _swapped_or_doubled(self, word: str) -> str | None:
        if len(word) == SHORT_TARGET:
            for target in self._short_by_letters.get("".join(sorted(word)), ()):
                if target[0] == word[0] and DamerauLevenshtein.distance(word, target) == 1:
                    return target
        if len(word) == SHORT_TARGET + 1:
            for i in range(1, len(word)):
                undoubled = word[:i] + word[i + 1 :]
                if word[i] == word[i - 1] and undoubled in self._short:
                    return undoubled
        return None

    def _closest_long(self, word: str) -> str | None:
        candidates = self._near.get((word[0], len(word)))
        if not candidates:
            return None
        allowed = 2 if len(word) >= TWO_EDITS else 1
        found = process.extractOne(
            word, candidates, scorer=DamerauLevenshtein.distance, score_cutoff=allowed
        )
        return None if found is None else str(found[0])
