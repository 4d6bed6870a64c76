"""Rank knowledge entries against a message's tokens.

Each entry is indexed by several small documents: every question, every keyword and its title,
tokenised by the same ``Analyzer`` as incoming messages. A message scores against a document with
an IDF-weighted Dice overlap, so rare topic words ("reflexology", "heel") count for more than
words every entry shares ("foot", "massage"); rapidfuzz then breaks near-ties by comparing the
message with the closest question as a string. An entry's score is its best document's score.
"""

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.engine.knowledge import Entry
from bot.engine.language import Analysis, Analyzer
from bot.engine.reply import Kind

# A word the knowledge has never seen weighs this much in the message: enough to lower the
# confidence of "Is Bitcoin a good investment?", not so much that filler words sink a question.
UNKNOWN_WORD_WEIGHT = 2.0
IMPLIED_KIND_TOKENS = frozenset({Kind.TECHNIQUE, Kind.ROUTINE})
# Words that only give a question its form ("what is", "how to") weigh at most this much.
WEAK_WORD_WEIGHT = 0.4
# A match needs about this much shared IDF weight to be fully trusted: agreeing only on words
# every entry shares ("foot", "massage") is not evidence of having understood the question,
# unless those words are all the matched question says.
INFORMATIVE_WEIGHT = 2.0
# A phrasing that says nothing but one of these once read cannot tell entries apart, and would
# match any message about feet word for word: "combien de muscles dans les pieds" reads as "foot"
# when the analyser knows none of its other words.
GENERIC_TOKENS = frozenset({"foot", "massage"})
# How many of the closest documents get the (slower) string comparison.
REFINED_DOCUMENTS = 40
# Share of the final score that comes from rapidfuzz's string similarity.
STRING_SHARE = 0.15
# Candidates come from tokens found in at most this share of the documents (and at least this
# many): "heel" finds candidates, "foot" and "massage" only score them.
RARE_SHARE = 0.05
RARE_POSTINGS_MINIMUM = 12
ALWAYS_SEARCHED = 1


@dataclass(frozen=True)
class _Document:
    entry_index: int
    tokens: frozenset[str]
    weight: float
    text: str


@dataclass(frozen=True)
class Match:
    """An entry with its score; ``closeness`` ignores how informative the shared words are,
    which is what "did you mean" suggestions need for vague messages like "foot massage"."""

    entry: Entry
    score: float
    closeness: float


class Matcher:
    """An inverted index over the entries' questions, keywords and titles."""

    def __init__(self, entries: Sequence[Entry], analyzer: Analyzer) -> None:
        self._entries = tuple(entries)
        self._analyzer = analyzer
        analysed: list[tuple[int, tuple[str, ...]]] = []
        for index, entry in enumerate(self._entries):
            # Techniques and the routine also answer to their kind's name ("the heel technique").
            implied = (entry.kind.value,) if entry.kind in IMPLIED_KIND_TOKENS else ()
            for text in (*entry.questions, *entry.keywords, entry.title):
                analysis = analyzer.analyse(text)
                if analysis.tokens and not (
                    len(analysis.tokens) == 1 and analysis.tokens[0] in GENERIC_TOKENS
                ):
                    analysed.append((index, (*analysis.tokens, *implied)))
        entry_tokens: dict[int, set[str]] = defaultdict(set)
        for index, tokens in analysed:
            entry_tokens[index].update(tokens)
        document_frequency: dict[str, int] = defaultdict(int)
        for tokens_of_entry in entry_tokens.values():
            for token in tokens_of_entry:
                document_frequency[token] += 1
        total = len(self._entries) + 1
        self._weak = analyzer.weak_tokens
        self._idf = {t: math.log(total / (df + 0.5)) for t, df in document_frequency.items()}
        for token in self._weak & self._idf.keys():
            self._idf[token] = min(self._idf[token], WEAK_WORD_WEIGHT)
        self._documents: list[_Document] = []
        self._postings: dict[str, list[int]] = defaultdict(list)
        # A token in more than this share of the documents is too common to find candidates.
        self._rare_postings = max(RARE_POSTINGS_MINIMUM, int(len(analysed) * RARE_SHARE))
        for index, tokens in analysed:
            unique = frozenset(tokens)
            doc_id = len(self._documents)
            weight = sum(self._idf[t] for t in unique)
            self._documents.append(_Document(index, unique, weight, " ".join(sorted(unique))))
            for token in unique:
                self._postings[token].append(doc_id)

    def weight(self, token: str) -> float:
        return self._idf.get(token, UNKNOWN_WORD_WEIGHT)

    def _candidates(self, tokens: list[str]) -> set[int]:
        """Documents that share a rare token with the message, or one of its two rarest tokens
        when they are all common: common tokens such as "foot" still count in the score of a
        candidate, but walking their long posting lists would make every message cost as much
        as the whole knowledge."""
        by_rarity = sorted(tokens, key=lambda t: len(self._postings[t]))
        rare = [
            t
            for rank, t in enumerate(by_rarity)
            if rank < ALWAYS_SEARCHED or len(self._postings[t]) <= self._rare_postings
        ]
        return {doc_id for t in rare for doc_id in self._postings[t]}

    def rank(
        self, analysis: Analysis, *, allowed: frozenset[str] | None = None, limit: int = 5
    ) -> list[Match]:
        """The best entries for the message, best first, each with a score in 0..1."""
        query = frozenset(analysis.tokens)
        if not query:
            return []
        query_weight = sum(self.weight(t) for t in query)
        query_weight += UNKNOWN_WORD_WEIGHT * len(set(analysis.unknown))
        shared: dict[int, float] = {}
        topical: dict[int, float] = {}
        known = [t for t in query if t in self._postings]
        for doc_id in self._candidates(known):
            tokens = self._documents[doc_id].tokens
            in_document = [t for t in known if t in tokens]
            shared[doc_id] = sum(self._idf[t] for t in in_document)
            topical[doc_id] = sum(self._idf[t] for t in in_document if t not in self._weak)
        query_text = " ".join(sorted(query))
        # Cheap arithmetic first; the string comparison only refines the closest documents.
        candidates = []
        for doc_id, overlap in shared.items():
            document = self._documents[doc_id]
            if allowed is not None and self._entries[document.entry_index].id not in allowed:
                continue
            dice = 2 * overlap / (query_weight + document.weight)
            # Agreeing on rare words is evidence; so is covering all of a document made only of
            # common words ("what is a foot massage?").
            evidence = min(
                1.0, max(topical[doc_id] / INFORMATIVE_WEIGHT, overlap / document.weight)
            )
            candidates.append((dice * evidence, dice, document))
        candidates.sort(key=lambda candidate: -candidate[1])
        best: dict[int, tuple[float, float]] = {}
        for base, dice, document in candidates[:REFINED_DOCUMENTS]:
            similarity = fuzz.token_sort_ratio(query_text, document.text) / 100
            boost = (1 - STRING_SHARE) + STRING_SHARE * similarity
            scores = (base * boost, dice * boost)
            previous = best.get(document.entry_index)
            if previous is None or scores > previous:
                best[document.entry_index] = scores
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
        return [
            Match(self._entries[index], min(1.0, score), min(1.0, closeness))
            for index, (score, closeness) in ranked[:limit]
        ]
