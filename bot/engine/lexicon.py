"""Find named concepts in a list of words, from phrases written in YAML.

A phrase is words separated by spaces. Each slot may list alternatives (``calf|leg``), end in
``*`` to match any ending (``gonfl*``), end in ``?`` to be optional (``the|my?``), or be a number
range (``#12-42``; ``#`` alone is any number). ``left|right lower|upper? calf|leg`` thus reads
"left calf", "right upper leg" and so on.
"""

import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

_CACHE_LIMIT = 20_000


class PhraseError(ValueError):
    """A phrase that cannot be compiled; the message says why."""


@dataclass(frozen=True)
class Slot:
    """One word position of a phrase."""

    words: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    numbers: tuple[int, int] | None = None

    def matches(self, word: str) -> bool:
        if word in self.words or (self.prefixes and word.startswith(self.prefixes)):
            return True
        if self.numbers is None or not word.isdigit():
            return False
        low, high = self.numbers
        return low <= int(word) <= high


@dataclass(frozen=True)
class Phrase:
    concept: str
    slots: tuple[Slot, ...]


class Mention(NamedTuple):
    """A concept found at words ``start`` to ``end`` (exclusive) of one clause."""

    concept: str
    start: int
    end: int


class Starting(NamedTuple):
    """What may start at a word: concepts of one-word phrases, longer phrases longest first, and
    the words those longer phrases may go on with (None when a prefix or a number may), so that
    most words are passed over without trying a phrase."""

    single: tuple[str, ...]
    longer: tuple[Phrase, ...]
    next_words: frozenset[str] | None


@cache
def _slot(text: str) -> tuple[Slot, bool]:
    """The slot a phrase part reads as; the same part in many phrases ("my|his|her") is one
    shared object, which keeps the thousands of triage phrases small in memory."""
    optional = text.endswith("?")
    text = text.removesuffix("?")
    if text.startswith("#"):
        low, _, high = text[1:].partition("-")
        try:
            bounds = (int(low), int(high or low)) if low else (0, 10**9)
        except ValueError as error:
            raise PhraseError(f"bad number range {text!r}") from error
        return Slot(numbers=bounds), optional
    alternatives = [a for a in text.split("|") if a]
    if not alternatives:
        raise PhraseError(f"empty slot in {text!r}")
    words = frozenset(a for a in alternatives if not a.endswith("*"))
    prefixes = tuple(a[:-1] for a in alternatives if a.endswith("*"))
    if any(not p for p in prefixes):
        raise PhraseError("a lone `*` matches everything")
    return Slot(words=words, prefixes=prefixes), optional


def compile_phrase(concept: str, text: str) -> list[Phrase]:
    """Every fixed-length form of a phrase (optional slots present or absent)."""
    parsed = [_slot(part) for part in text.split()]
    if not parsed:
        raise PhraseError("empty phrase")
    choices = [[(slot,), ()] if optional else [(slot,)] for slot, optional in parsed]
    forms = []
    for combination in itertools.product(*choices):
        slots = tuple(slot for part in combination for slot in part)
        if slots:
            forms.append(Phrase(concept, slots))
    return forms


class Lexicon:
    """Concepts and their phrases, indexed by the first word for fast scanning."""

    def __init__(self, phrases: Iterable[Phrase]) -> None:
        self._by_word: dict[str, list[Phrase]] = defaultdict(list)
        self._by_prefix: dict[str, list[Phrase]] = defaultdict(list)
        self._numeric: list[Phrase] = []
        for phrase in phrases:
            first = phrase.slots[0]
            for word in first.words:
                self._by_word[word].append(phrase)
            for prefix in first.prefixes:
                self._by_prefix[prefix].append(phrase)
            if first.numbers is not None:
                self._numeric.append(phrase)
        self._prefix_lengths = sorted({len(p) for p in self._by_prefix})
        longest_first = sorted(self._by_prefix, key=len, reverse=True)
        self._any_prefix = re.compile("|".join(map(re.escape, longest_first)) or "(?!)")
        self._starting: dict[str, Starting] = {}

    def find(self, words: Sequence[str]) -> list[Mention]:
        """Concept mentions in order; at each position the longest phrase wins (every concept
        that has a phrase of that length there: "crushing" is both pain and tightness)."""
        mentions = []
        concepts: Sequence[str]
        i = 0
        last = len(words) - 1
        while i <= last:
            starting = self._starting.get(words[i]) or self._starting_with(words[i])
            length, concepts = 1, starting.single
            if (
                starting.longer
                and i < last
                and (starting.next_words is None or words[i + 1] in starting.next_words)
            ):
                length, concepts = self._longest_at(starting, words, i)
            for concept in concepts:
                mentions.append(Mention(concept, i, i + length))
            i += length
        return mentions

    def _starting_with(self, word: str) -> Starting:
        """What may start at this word (cached: most words start nothing)."""
        found = list(self._by_word.get(word, ()))
        if self._any_prefix.match(word):
            for size in self._prefix_lengths:
                if size > len(word):
                    break
                found += self._by_prefix.get(word[:size], ())
        if word.isdigit():
            found += (p for p in self._numeric if p.slots[0].matches(word))
        single = tuple(dict.fromkeys(p.concept for p in found if len(p.slots) == 1))
        longer = tuple(sorted((p for p in found if len(p.slots) > 1), key=lambda p: -len(p.slots)))
        seconds = [p.slots[1] for p in longer]
        next_words = (
            None
            if any(slot.prefixes or slot.numbers is not None for slot in seconds)
            else frozenset(w for slot in seconds for w in slot.words)
        )
        if len(self._starting) >= _CACHE_LIMIT:
            self._starting.clear()
        self._starting[word] = result = Starting(single, longer, next_words)
        return result

    @staticmethod
    def _longest_at(starting: Starting, words: Sequence[str], i: int) -> tuple[int, Sequence[str]]:
        best_length = 0
        concepts: list[str] = []
        room = len(words) - i
        for phrase in starting.longer:  # longest first
            slots = phrase.slots
            size = len(slots)
            if size < best_length:
                break
            if size > room:
                continue
            for k in range(1, size):
                if not slots[k].matches(words[i + k]):
                    break
            else:
                best_length = size
                if phrase.concept not in concepts:
                    concepts.append(phrase.concept)
        return (best_length, concepts) if best_length else (1, starting.single)
