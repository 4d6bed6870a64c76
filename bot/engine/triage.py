"""Safety routing that runs before any matching: urgent symptoms first, then contraindications.

A red flag is recognised from concepts, not from sentences: a body part, a sign ("swollen",
"cold and pale"), a context ("pregnant", "diabetic", "after a fall") and how sudden or severe it
is, in English or French, with typos. Each flag lists the combinations of concepts that raise it;
``a+b`` means both in the same sentence, so "my calf is fine. my face is swollen" is not a
swollen calf. Flags are tried in the order written, so the more specific or more dangerous
reading wins (an allergy to the oil before chest symptoms, diabetes before a plain infection).

Everything lives in knowledge/triage.yaml so a clinician can review and extend it without Python.
"""

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.engine.lexicon import Lexicon, Phrase, PhraseError, compile_phrase
from bot.engine.negation import CUES, IGNORED, PAST, PRESENT, asserted
from bot.engine.problems import Problem
from bot.engine.text import MAX_TRIAGE_CHARS, normalize
from bot.engine.typos import Typos

TRIAGE_FILE = "knowledge/triage.yaml"
# Typos are corrected towards the words of one-word phrases ("swollen"), and towards the longer
# words of longer phrases ("breathe" in "can't breathe"), never towards "the" or "my".
LONG_WORD = 6

# Sentences end at . ! or a line break; clauses also end at question marks ("Can I rub my leg?
# It's swollen": "it" is the leg), commas, brackets, dashes and at words that turn the story
# ("but", "now"). Breaks become marker words so the whole message is folded by one ``normalize``.
_SENTENCE_MARK = "qqsentenceqq"
_CLAUSE_MARK = "qqclausemarkqq"
_SENTENCE_BREAK = re.compile("[.!\n\u2026]")
_CLAUSE_BREAK = re.compile(r'[?,;:()\[\]"\u201c\u201d\u2013\u2014]')
_CLAUSE_WORDS = frozenset(
    {"but", "though", "although", "however", "except", "whereas", "now", "then"}
    | {"mais", "sauf", "maintenant", "cependant", "pourtant", "puis"}
)


class Level(StrEnum):
    """How soon a person with this red flag needs care."""

    EMERGENCY = "emergency"  # call emergency services now
    TODAY = "today"  # see a doctor today


@dataclass(frozen=True)
class RedFlag:
    """A red-flag category, raised when all concepts of any one of its combinations are found."""

    id: str
    level: Level
    combinations: tuple[tuple[tuple[str, ...], ...], ...]
    # Concepts that explain the signs away (an old stroke, the dentist's anaesthetic).
    explanations: frozenset[str] = frozenset()
    # Every concept of each combination, to skip at once those the message cannot raise.
    needs: tuple[frozenset[str], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        needs = tuple(
            frozenset(c for group in groups for c in group) for groups in self.combinations
        )
        object.__setattr__(self, "needs", needs)

    def raised_by(self, found: dict[str, set[int]]) -> bool:
        return any(
            needed.issubset(found) and all(_together(found, group) for group in groups)
            for needed, groups in zip(self.needs, self.combinations, strict=True)
        )


@dataclass(frozen=True)
class Assessment:
    """What triage makes of a message."""

    red_flag: RedFlag | None
    # True when everything the message names is denied, in the past, asked about in general or a
    # figure of speech ("no chest pain and no trouble breathing", "signs of a clot?", "my feet
    # want to die"): what the classifier's red-flag head, which reads words and not their scope,
    # must not alarm on.
    denies: bool
    # The flags whose signs the message explains away: the head must not raise them either.
    explained: frozenset[str] = frozenset()
    # The flags the message raises only if what it puts in the past were happening now, when it
    # says nothing is ("had an ulcer two years ago, healed, I'm diabetic"): nor these.
    in_the_past: frozenset[str] = frozenset()

    def lets_head_raise(self, flag_id: str) -> bool:
        """Whether the classifier's red-flag head may raise this flag where the rules did not."""
        return not (self.denies or flag_id in self.explained or flag_id in self.in_the_past)


def _together(found: dict[str, set[int]], concepts: tuple[str, ...]) -> bool:
    """True when every concept is found, all in one sentence if there are several."""
    if not all(concept in found for concept in concepts):
        return False
    return bool(set.intersection(*(found[concept] for concept in concepts)))


def sentences(message: str) -> list[list[list[str]]]:
    """The message as sentences of clauses of normalised words (the first 5,000 characters)."""
    marked = _SENTENCE_BREAK.sub(f" {_SENTENCE_MARK} ", message[:MAX_TRIAGE_CHARS])
    marked = _CLAUSE_BREAK.sub(f" {_CLAUSE_MARK} ", marked)
    result: list[list[list[str]]] = [[[]]]
    for word in normalize(marked, 2 * MAX_TRIAGE_CHARS).split():
        if word == _SENTENCE_MARK:
            result.append([[]])
        elif word == _CLAUSE_MARK:
            result[-1].append([])
        elif word in _CLAUSE_WORDS:
            result[-1].append([word])
        else:
            result[-1][-1].append(word)
    return [clauses for s in result if (clauses := [c for c in s if c])]


class Triage:
    """Decides whether a message is an emergency or a question about a contraindication."""

    def __init__(self, rules: dict[str, Any]) -> None:
        self.problems: list[Problem] = []
        cues = self._phrases(rules.get("cues"), CUES)
        concepts = self._phrases(rules.get("concepts"))
        targets = {
            word
            for phrase in concepts
            for slot in phrase.slots
            for word in slot.words
            if len(phrase.slots) == 1 or len(word) >= LONG_WORD
        }
        known = {w for p in cues + concepts for s in p.slots for w in s.words}
        prefixes = {x for p in cues + concepts for s in p.slots for x in s.prefixes}
        real_words = {normalize(str(w)) for w in rules.get("real_words") or []}
        self.typos = Typos(targets, real_words | known, prefixes)
        self._lexicon = Lexicon(cues + concepts)
        names = {p.concept for p in concepts}
        self._new_signs = self._concept_names(rules.get("new_signs"), names, None, "new_signs")
        self._unhedged = self._concept_names(rules.get("unhedged"), names, None, "unhedged")
        self.red_flags = tuple(self._red_flags(rules.get("red_flags") or [], names))
        self._explanations = frozenset(c for flag in self.red_flags for c in flag.explanations)
        self._concepts = frozenset(names)
        terms = sorted({n for t in rules.get("safety_terms") or [] if (n := normalize(t))})
        alternatives = "|".join(re.escape(t) for t in terms) or r"(?!)"
        self._safety_terms = re.compile(rf"\b(?:{alternatives})\b")
        overview = rules.get("safety_overview")
        self.safety_overview: str | None = overview if isinstance(overview, str) else None

    def _problem(self, item: str | None, message: str) -> None:
        self.problems.append(Problem(TRIAGE_FILE, 0, item, message))

    def _phrases(self, raw: Any, required: tuple[str, ...] = ()) -> list[Phrase]:
        if not isinstance(raw, dict):
            self._problem(None, "`cues` and `concepts` must map names to lists of phrases")
            return []
        for name in required:
            if name not in raw:
                self._problem(name, "missing cue list")
        phrases = []
        for concept, texts in raw.items():
            if not isinstance(texts, list):
                self._problem(str(concept), "must be a list of phrases")
                continue
            for text in texts:
                if not isinstance(text, str):
                    self._problem(str(concept), f"{text!r} is not text (quote it: '{text}')")
                    continue
                try:
                    phrases += compile_phrase(str(concept), normalize_phrase(text))
                except PhraseError as error:
                    self._problem(str(concept), f"bad phrase {text!r}: {error}")
        return phrases

    def _red_flags(self, raw_rules: list[Any], concepts: set[str]) -> list[RedFlag]:
        flags = []
        for raw in raw_rules:
            rule_id = raw.get("id") if isinstance(raw, dict) else None
            when = raw.get("when") if isinstance(raw, dict) else None
            level = raw.get("level") if isinstance(raw, dict) else None
            if not isinstance(rule_id, str) or not isinstance(when, list) or not when:
                self._problem(None, "each red flag needs an `id`, a `level` and a `when` list")
                continue
            if level not in {lv.value for lv in Level}:
                self._problem(rule_id, "`level` must be `emergency` or `today`")
                continue
            unless = self._concept_names(raw.get("unless"), concepts, rule_id, "unless")
            combinations = []
            for combination in when:
                if not isinstance(combination, list) or not combination:
                    self._problem(rule_id, "each `when` item is a list of concepts")
                    continue
                groups = tuple(tuple(str(item).split("+")) for item in combination)
                unknown = sorted({c for g in groups for c in g} - concepts)
                if unknown:
                    self._problem(rule_id, f"unknown concepts: {', '.join(unknown)}")
                    continue
                combinations.append(groups)
            flags.append(RedFlag(rule_id, Level(level), tuple(combinations), unless))
        return flags

    def _concept_names(
        self, raw: Any, concepts: set[str], item: str | None, key: str
    ) -> frozenset[str]:
        """A list of concept names (``new_signs``, a flag's ``unless``); a bad one is reported
        and read as empty."""
        names = raw or []
        if not isinstance(names, list) or not {str(name) for name in names} <= concepts:
            self._problem(item, f"`{key}` must list known concepts")
            return frozenset()
        return frozenset(map(str, names))

    def assess(self, message: str) -> Assessment:
        """The message's red flag, if any, and whether it only denies what it names."""
        found: dict[str, set[int]] = {}
        # What the sentences with a past cue name, whenever it happened.
        past: dict[str, set[int]] = {}
        now = False
        # Explanations count however long ago they happened; a sign raises a flag only when it
        # is present ("hives from an oil years ago" explains nothing away and raises nothing).
        explanations: set[str] = set()
        silenced = False
        correct = self.typos.corrector()
        for number, sentence in enumerate(sentences(message)):
            clauses = [self._lexicon.find([correct(word) for word in c]) for c in sentence]
            kept = asserted(clauses, unhedged=self._unhedged)
            for mention in kept:
                found.setdefault(mention.concept, set()).add(number)
            mentioned = {m.concept for clause in clauses for m in clause}
            now = now or PRESENT in mentioned
            if PAST in mentioned:
                for mention in asserted(clauses, self._concepts, self._unhedged):
                    past.setdefault(mention.concept, set()).add(number)
            if mentioned & self._explanations:
                explanations.update(
                    m.concept
                    for m in asserted(clauses, self._explanations, self._unhedged)
                    if m.concept in self._explanations
                )
            set_aside = mentioned - set(CUES) - {m.concept for m in kept}
            silenced = silenced or bool(set_aside) or IGNORED in mentioned
        explained = frozenset(
            flag.id
            for flag in self.red_flags
            if flag.explanations & explanations and not self._new_signs & found.keys()
        )
        in_the_past: frozenset[str] = frozenset()
        if past and not now:
            any_time = {c: found.get(c, set()) | past.get(c, set()) for c in found.keys() | past}
            in_the_past = frozenset(
                f.id for f in self.red_flags if f.raised_by(any_time) and not f.raised_by(found)
            )
        return Assessment(
            red_flag=next(
                (f for f in self.red_flags if f.id not in explained and f.raised_by(found)), None
            ),
            denies=silenced and not found.keys() - self._explanations,
            explained=explained,
            in_the_past=in_the_past,
        )

    def red_flag(self, message: str) -> RedFlag | None:
        """The first red flag the message raises, if any."""
        return self.assess(message).red_flag

    def flag(self, flag_id: str) -> RedFlag | None:
        """The red-flag category of that id, if triage.yaml has it."""
        return next((flag for flag in self.red_flags if flag.id == flag_id), None)

    def mentions_contraindication(self, normalized: str) -> bool:
        return self._safety_terms.search(normalized) is not None


def normalize_phrase(text: str) -> str:
    """Fold a phrase like a message, keeping its syntax characters (| * ? # -)."""
    return " ".join(_fold_slot(slot) for slot in text.split())


def _fold_slot(slot: str) -> str:
    if slot.startswith("#"):
        return slot
    optional = "?" if slot.endswith("?") else ""
    alternatives = slot.removesuffix("?").split("|")
    folded = []
    for alternative in alternatives:
        star = "*" if alternative.endswith("*") else ""
        word = normalize(alternative.removesuffix("*"))
        if not word:
            raise PhraseError(f"empty alternative in {slot!r}")
        if " " in word:
            raise PhraseError(f"{alternative!r} is not one word once folded (write words apart)")
        folded.append(word + star)
    return "|".join(folded) + optional
