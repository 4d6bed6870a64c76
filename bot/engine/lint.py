"""Content checks behind ``footbot check``: everything a content editor can get wrong, located."""

import re
from collections.abc import Callable
from pathlib import Path

from bot.engine.knowledge import TRANSLATIONS, Entry, Knowledge, read_knowledge
from bot.engine.languages import Language
from bot.engine.problems import Problem
from bot.engine.reply import Kind
from bot.engine.text import normalize
from bot.engine.triage import Triage

REQUIRED_TEXTS = (
    "greeting",
    "thanks",
    "help",
    "fallback",
    "suggestions_intro",
    "disclaimer",
    "urgent",
    "technique_time",
    "technique_caution",
    "step_header",
)
REQUIRED_LANGUAGE_LISTS = ("stopwords", "greetings", "thanks", "help", "off_topic", "foot_words")
MAX_TITLE_LENGTH = 40
TECHNIQUE_COUNT = 8

# Extra checks contributed by other parts of the bot (for example the technique pictures);
# each gets the knowledge folder and the loaded knowledge and returns its problems.
ExtraCheck = Callable[[Path, Knowledge], list[Problem]]


def check_knowledge(root: Path, extra_checks: tuple[ExtraCheck, ...] = ()) -> list[Problem]:
    """Every problem in the knowledge folder, in file order."""
    knowledge = read_knowledge(root)
    problems = list(knowledge.problems)
    problems += _check_texts(knowledge)
    problems += _check_language(knowledge)
    triage = Triage(knowledge.triage)
    problems += triage.problems
    health_words = _health_pattern(knowledge)
    entry_ids = {entry.id for entry in knowledge.entries}
    if triage.safety_overview not in entry_ids:
        message = f"`safety_overview` names no entry: {triage.safety_overview!r}"
        problems.append(Problem("knowledge/triage.yaml", 0, None, message))
    for entry in knowledge.entries:
        problems += _check_entry(entry, health_words)
    for language in TRANSLATIONS:
        for entry in knowledge.entries_in(language):
            problems += _check_title(entry, language)
    techniques = [e for e in knowledge.entries if e.kind is Kind.TECHNIQUE]
    if len(techniques) != TECHNIQUE_COUNT:
        message = f"expected {TECHNIQUE_COUNT} techniques, found {len(techniques)}"
        problems.append(Problem("knowledge/faq", 0, None, message))
    if sum(e.kind is Kind.ROUTINE for e in knowledge.entries) != 1:
        problems.append(Problem("knowledge/faq", 0, None, "expected exactly one routine entry"))
    for extra in extra_checks:
        problems += extra(root, knowledge)
    return problems


def _check_texts(knowledge: Knowledge) -> list[Problem]:
    return [
        Problem("knowledge/texts", 0, key, "missing fixed text")
        for key in REQUIRED_TEXTS
        if not knowledge.texts[Language.EN].get(key)
    ]


def _check_language(knowledge: Knowledge) -> list[Problem]:
    problems = []
    for key in REQUIRED_LANGUAGE_LISTS:
        value = knowledge.language.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(Problem("knowledge/language.yaml", 0, key, "must be a list of words"))
    markers = knowledge.language.get("language_markers")
    if not isinstance(markers, dict) or {str(key) for key in markers} != set(Language):
        message = f"must list marker words for each of {', '.join(Language)}"
        problems.append(Problem("knowledge/language.yaml", 0, "language_markers", message))
    synonyms = knowledge.language.get("synonyms")
    if not isinstance(synonyms, dict) or not all(isinstance(v, list) for v in synonyms.values()):
        message = "must map each canonical word to a list of variants"
        problems.append(Problem("knowledge/language.yaml", 0, "synonyms", message))
    return problems


def _health_pattern(knowledge: Knowledge) -> re.Pattern[str]:
    words = sorted({normalize(str(w)) for w in knowledge.triage.get("health_words") or []})
    return re.compile(rf"\b(?:{'|'.join(map(re.escape, words)) or '(?!)'})\b")


def _check_title(entry: Entry, language: Language) -> list[Problem]:
    if len(entry.title) <= MAX_TITLE_LENGTH:
        return []
    message = f"the {language} `title` is longer than {MAX_TITLE_LENGTH} characters (a button)"
    return [Problem(entry.file, entry.line, entry.id, message)]


def _check_entry(entry: Entry, health_words: re.Pattern[str]) -> list[Problem]:
    problems = []

    def problem(message: str) -> None:
        problems.append(Problem(entry.file, entry.line, entry.id, message))

    problems += _check_title(entry, Language.EN)
    if entry.kind is Kind.TECHNIQUE:
        for field in ("summary", "time", "caution"):
            if not getattr(entry, field):
                problem(f"a technique needs `{field}`")
    # A technique's `caution` is the one place a how-to may name injuries or pain without
    # becoming health advice itself, so it is not scanned.
    text = " ".join([entry.answer or "", *entry.steps, entry.summary or ""])
    found = health_words.search(normalize(text))
    if found and not entry.health:
        problem(f"reads as health advice ({found.group(0)!r}) but is not marked `health: true`")
    # Health advice must be traceable to the public health pages a reviewer checked it against.
    if entry.health and not entry.checked_against:
        problem("a `health: true` entry needs `checked_against`: the pages it was checked against")
    return problems
