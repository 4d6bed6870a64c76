"""Turn a normalised message into canonical topic tokens, as described by knowledge/language.yaml.

Synonyms (in English and French) fold into one canonical token, stopwords disappear, and a word
the knowledge has never seen is corrected to the closest known word when it is a likely typo.
A real English or French word is never a typo (``words.txt.gz``, built by
``tools/build_wordlist.py``): "sort" stays "sort" however close "sore" is.
"""

import gzip
import re
from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from bot.engine.compact import CompactSet
from bot.engine.knowledge import Knowledge
from bot.engine.text import MAX_ANALYSED_CHARS, normalize, stem

GREETING = "_greeting"
THANKS = "_thanks"
GOODBYE = "_goodbye"
HELP = "_help"
SOCIAL_TOKENS = frozenset({GREETING, THANKS, GOODBYE, HELP})
OFF_TOPIC_PREFIX = "!"
WORDS_FILE = Path(__file__).with_name("words.txt.gz")
# Letters typed three times or more ("heyyy", "sooo") count once.
_ELONGATED = re.compile(r"(.)\1{2,}")
# Words this common ("bit", "date", "told") say nothing about the subject of a message; rarer
# real words the knowledge never uses ("sushi", "emails") suggest another subject.
COMMON_WORDS = 3_000
# Only the first words of a long message are analysed, and only a few unknown words are
# typo-corrected, so the cost of a message is bounded whatever its length. Remembered corrections
# count too, so that a message is read the same whatever messages came before it.
MAX_WORDS = 60
MAX_CORRECTIONS = 12
TYPO_MIN_LENGTH = 4
# Corrections are remembered (typos recur); the memo is emptied when it reaches this size.
MAX_REMEMBERED_CORRECTIONS = 10_000
TYPO_SCORE_CUTOFF = 82.0
# Short words are corrected only by one added, changed or swapped letter ("ofen" -> "often",
# "ankel" -> "ankle"), never by dropping one, so "stock" does not become "sock".
SHORT_WORD_LENGTH = 5


class RealWords:
    """Frequent English and French words, folded by ``normalize``, and the most common of them
    (compact: 40,000 words as a set of strings would cost 4 MB)."""

    def __init__(self, words: Iterable[str] = (), common: int = 0) -> None:
        ranked = array("q", (hash(word) for word in words))
        self._common = CompactSet.of_hashes(ranked[:common])
        self._all = CompactSet.of_hashes(ranked)

    def __contains__(self, word: object) -> bool:
        return word in self._all

    def rare(self, word: str) -> bool:
        return word in self._all and word not in self._common


@cache
def real_words() -> RealWords:
    """The bundled word list (most frequent first), read once per process."""
    with gzip.open(WORDS_FILE, "rt", encoding="utf-8") as file:
        return RealWords((word for line in file for word in line.split()), COMMON_WORDS)


def canonical_token(phrase: str) -> str:
    """The single token a canonical synonym becomes ("big toe" -> "big_toe")."""
    return normalize(phrase).replace(" ", "_")


@dataclass(frozen=True)
class Analysis:
    """What the engine needs to know about a message's words."""

    normalized: str
    tokens: tuple[str, ...]
    unknown: tuple[str, ...]
    off_topic: tuple[str, ...]
    social: frozenset[str]
    mentions_feet: bool
    # Words of the message that are real, not very common English or French words the
    # knowledge never uses ("sushi", "emails"): a sign that it is about something else.
    foreign: tuple[str, ...] = ()
    # Whether the message names feet, massage or reflexology at all.
    mentions_domain: bool = False
    # Content tokens that name a topic rather than the form of the question.
    topics: tuple[str, ...] = ()

    @property
    def names_no_topic(self) -> bool:
        """True for "how long should I do it?": a follow-up that needs the previous answer."""
        return not self.topics and not self.foreign

    @property
    def only_social(self) -> bool:
        """True for "hi", "thanks!", "help please": nothing to search for."""
        return bool(self.social) and not self.tokens and not self.unknown and not self.off_topic


class Analyzer:
    """Tokenises messages the same way the knowledge's questions were tokenised."""

    def __init__(self, language: dict[str, Any], words: RealWords | None = None) -> None:
        self._real_words = words or RealWords()
        self._corrections: dict[str, str | None] = {}
        self._stopwords = {normalize(w) for w in language.get("stopwords", [])}
        # Words that may sit beside a greeting without making it a question ("thanks mate").
        self._social_fillers = {normalize(w) for w in language.get("social_fillers", [])}
        self._phrases: dict[tuple[str, ...], str] = {}
        self._emoji = {str(k): str(v) for k, v in (language.get("emoji") or {}).items()}
        self._stemmed_phrases: dict[tuple[str, ...], str] = {}
        # The longest phrase starting with each word or stem: most words start none, and are
        # passed over without a lookup per possible length.
        self._longest_from: dict[str, int] = {}
        for canonical, variants in (language.get("synonyms") or {}).items():
            token = canonical_token(canonical)
            for phrase in [canonical, *variants]:
                self._add_phrase(phrase, token)
        for key, token in (
            ("greetings", GREETING),
            ("thanks", THANKS),
            ("goodbyes", GOODBYE),
            ("help", HELP),
        ):
            for phrase in language.get(key, []):
                self._add_phrase(phrase, token)
        for phrase in language.get("off_topic", []):
            self._add_phrase(phrase, OFF_TOPIC_PREFIX + canonical_token(phrase))
        self._foot_tokens = {canonical_token(w) for w in language.get("foot_words", [])}
        # A phrase that stands for something else still names feet when one of its words does
        # ("my own feet" is self-massage, "foot bath" a soak): "how should I sit to massage my
        # own feet? my back hurts" is about feet, whatever it says about the back.
        self._foot_words = frozenset(
            words[0]
            for words, token in self._phrases.items()
            if len(words) == 1 and token in self._foot_tokens
        )
        self._domain_tokens = self._foot_tokens | {
            canonical_token(w) for w in language.get("domain_words", [])
        }
        self.weak_tokens = frozenset(canonical_token(w) for w in language.get("weak_words", []))
        # Tokens that say what is asked (how often, how long, is it safe) but not about what.
        self._intent_tokens = self.weak_tokens | {
            canonical_token(w) for w in language.get("intent_words", [])
        }
        self._known_words: dict[str, str] = {}
        self._typo_candidates: list[str] = []
        self._candidates_by_length: dict[int, list[str]] = defaultdict(list)
        self._vocabulary: set[str] = set(self._phrases.values())

    def _add_phrase(self, phrase: str, token: str) -> None:
        words = tuple(normalize(phrase).split())
        if words:
            self._phrases.setdefault(words, token)
            # Phrases match inflected words too: "hand massages" is "hand massage".
            stems = tuple(stem(w) for w in words)
            self._stemmed_phrases.setdefault(stems, token)
            for first in {words[0], stems[0]}:
                self._longest_from[first] = max(len(words), self._longest_from.get(first, 0))

    def learn(self, texts: Iterable[str]) -> None:
        """Remember the words of the knowledge, so typos can be corrected towards them."""
        for words, token in self._phrases.items():
            if len(words) == 1:
                self._known_words[words[0]] = token
        for text in texts:
            for word in normalize(text).split():
                if word not in self._stopwords and word not in self._known_words:
                    self._known_words[word] = stem(word)
        self._vocabulary.update(self._known_words.values())
        # Stopwords are candidates too, so "shoud" is read as "should" and dropped rather than
        # mistaken for "shoulder". Sorted, since the first of equally close candidates wins and a
        # word must be read the same in every process.
        self._typo_candidates = [
            w for w in (*self._known_words, *sorted(self._stopwords)) if len(w) >= TYPO_MIN_LENGTH
        ]
        self._candidates_by_length.clear()
        for candidate in self._typo_candidates:
            self._candidates_by_length[len(candidate)].append(candidate)

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self._vocabulary)

    def analyse(self, message: str) -> Analysis:
        for emoji, word in self._emoji.items():
            if emoji in message:
                message = message.replace(emoji, f" {word} ")
        return self.analyse_normalized(normalize(message))

    def analyse_normalized(self, normalized: str) -> Analysis:
        """Analyse text that ``normalize`` already folded (the engine folds each message once)."""
        normalized = normalized[:MAX_ANALYSED_CHARS]
        words = _ELONGATED.sub(r"\1", normalized).split()[:MAX_WORDS]
        tokens, unknown, foreign, names_feet = self._tokens(words)
        content = tuple(t for t in tokens if t not in SOCIAL_TOKENS and t[0] != OFF_TOPIC_PREFIX)
        return Analysis(
            normalized=normalized,
            tokens=content,
            unknown=tuple(unknown),
            off_topic=tuple(t for t in tokens if t[0] == OFF_TOPIC_PREFIX),
            social=frozenset(t for t in tokens if t in SOCIAL_TOKENS),
            mentions_feet=names_feet or any(t in self._foot_tokens for t in content),
            foreign=tuple(foreign),
            mentions_domain=any(t in self._domain_tokens for t in content),
            topics=tuple(t for t in content if t not in self._intent_tokens),
        )

    def _tokens(self, words: list[str]) -> tuple[list[str], list[str], list[str], bool]:
        """Canonical tokens, unknown words (stemmed), the unknown words that are real, and
        whether a phrase standing for another topic named feet."""
        names_feet = False
        tokens: list[str] = []
        unknown: list[str] = []
        foreign: list[str] = []
        stems = [stem(word) for word in words]
        corrections = 0
        i = 0
        while i < len(words):
            longest = max(self._longest_from.get(words[i], 0), self._longest_from.get(stems[i], 0))
            for size in range(min(longest, len(words) - i), 0, -1):
                token = self._phrases.get(tuple(words[i : i + size])) or (
                    self._stemmed_phrases.get(tuple(stems[i : i + size]))
                )
                if token is not None:
                    tokens.append(token)
                    names_feet = names_feet or (
                        size > 1
                        and token[0] != OFF_TOPIC_PREFIX
                        and not self._foot_words.isdisjoint(words[i : i + size])
                    )
                    i += size
                    break
            else:
                word = words[i]
                i += 1
                if word in self._stopwords or word in self._social_fillers:
                    continue
                stemmed = stems[i - 1]
                if stemmed in self._vocabulary:
                    tokens.append(stemmed)
                    continue
                fixed = None
                if (
                    corrections < MAX_CORRECTIONS
                    and len(word) >= TYPO_MIN_LENGTH
                    and word not in self._real_words
                ):
                    corrections += 1
                    fixed = self._corrected(word)
                if fixed is None:
                    unknown.append(stemmed)
                    if self._real_words.rare(word):
                        foreign.append(word)
                elif fixed:
                    tokens.append(fixed)
        return tokens, unknown, foreign, names_feet

    def _corrected(self, word: str) -> str | None:
        if word in self._corrections:
            return self._corrections[word]
        if len(self._corrections) >= MAX_REMEMBERED_CORRECTIONS:
            self._corrections.clear()
        fixed = self._corrections[word] = self._correct(word)
        return fixed

    def _correct(self, word: str) -> str | None:
        found = (
            self._closest_short(word) if len(word) <= SHORT_WORD_LENGTH else self._closest(word)
        )
        if found is None:
            return None
        return "" if found in self._stopwords else self._known_words.get(found, found)

    def _closest(self, word: str) -> str | None:
        match = process.extractOne(
            word, self._typo_candidates, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE_CUTOFF
        )
        return None if match is None else str(match[0])

    def _closest_short(self, word: str) -> str | None:
        candidates = [
            *self._candidates_by_length[len(word)],
            *self._candidates_by_length[len(word) + 1],
        ]
        match = process.extractOne(word, candidates, scorer=fuzz.ratio)
        if match is None or DamerauLevenshtein.distance(word, match[0]) > 1:
            return None
        return str(match[0])


def analyzer_for(knowledge: Knowledge) -> Analyzer:
    """The analyser of a knowledge base: its language rules, real words and vocabulary."""
    analyzer = Analyzer(knowledge.language, real_words())
    analyzer.learn(
        text for e in knowledge.entries for text in (*e.questions, *e.keywords, e.title)
    )
    return analyzer
