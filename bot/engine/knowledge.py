"""Load the knowledge folder: FAQ entries, fixed texts, language and triage rules.

Layout (see the README's "Editing the knowledge" section)::

    knowledge/faq/*.yaml        lists of entries, each with its French in a `fr:` block
    knowledge/texts/*.yaml      mappings of fixed texts (keys unique across files)
    knowledge/texts/fr/*.yaml   the same keys in French, file for file
    knowledge/language.yaml     stopwords, synonyms, greetings, off-topic words
    knowledge/triage.yaml       red-flag rules and safety terms

The two languages are kept in step by where they live. An entry's French sits in the entry, under
its English, because an entry has structure to keep equal (as many steps, the same fields) and a
translator should see both at once; `id`, `health`, `related` and the sources are written once
and shared, so they cannot disagree. Fixed texts are flat key-to-text mappings, so their French is
a parallel file with the same keys and the same {placeholders}, like a message catalogue. A
missing or mismatched translation is a problem like any other: the bot never falls back to
English in the middle of a French conversation.

Loading never raises on content mistakes: it collects located ``Problem``s so ``footbot check``
can list them all at once; ``Knowledge.load`` turns them into a one-line ``KnowledgeError``.
"""

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from bot.engine.languages import DEFAULT_LANGUAGE, Language
from bot.engine.problems import Problem
from bot.engine.reply import Kind

ENTRY_KINDS = frozenset({Kind.FAQ, Kind.TECHNIQUE, Kind.ROUTINE, Kind.SAFETY})
LINE_KEY = "__line__"
MIN_QUESTIONS = 4
# The fields of an entry that a translation gives in its own language; everything else is shared.
TRANSLATED_TEXTS = ("title", "summary", "answer", "time", "caution", "tip")
TRANSLATED_LISTS = ("questions", "keywords", "steps")
TRANSLATIONS = tuple(language for language in Language if language is not DEFAULT_LANGUAGE)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class KnowledgeError(Exception):
    """The knowledge folder cannot be used; the message is one line naming the place to fix."""


@dataclass(frozen=True)
class Source:
    """A public health page an entry's health advice was checked against."""

    title: str
    url: str


@dataclass(frozen=True)
class Entry:
    """One question-and-answer unit of the knowledge base."""

    id: str
    kind: Kind
    title: str
    questions: tuple[str, ...]
    answer: str | None
    steps: tuple[str, ...]
    health: bool
    source: str
    related: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    tip: str | None = None
    summary: str | None = None
    time: str | None = None
    caution: str | None = None
    checked_against: tuple[Source, ...] = ()
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class Knowledge:
    """Everything the engine reads from disk, already validated for structure."""

    root: Path
    # In English, each with the questions and keywords of every language, for matching.
    entries: tuple[Entry, ...]
    texts: Mapping[Language, Mapping[str, str]]
    language: dict[str, Any]
    triage: dict[str, Any]
    version: str
    problems: tuple[Problem, ...] = field(default=())
    # The entries in each other language, in the same order.
    translations: Mapping[Language, tuple[Entry, ...]] = field(default_factory=dict)

    def entries_in(self, language: Language) -> tuple[Entry, ...]:
        """The entries with their titles, answers and steps in ``language``."""
        if language is DEFAULT_LANGUAGE:
            return self.entries
        return self.translations[language]

    @classmethod
    def load(cls, root: Path) -> "Knowledge":
        knowledge = read_knowledge(root)
        if knowledge.problems:
            first = knowledge.problems[0]
            more = len(knowledge.problems) - 1
            extra = f" (and {more} more; run `footbot check`)" if more else ""
            raise KnowledgeError(f"{first}{extra}")
        return knowledge


class _LineLoader(yaml.CSafeLoader):
    """A safe loader (libyaml's: fast, and light on memory at start-up) that remembers the line
    of every mapping, for located problems."""


def _construct_mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = {str(key): value for key, value in loader.construct_mapping(node, deep=True).items()}
    mapping[LINE_KEY] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping_with_line,
)


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _read_yaml(path: Path, root: Path, problems: list[Problem]) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 0
        problems.append(Problem(_display(path, root), line, None, f"bad YAML: {error.problem}"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        problems.append(Problem(_display(path, root), 0, None, f"cannot read: {error}"))
    return None


def strip_lines(value: Any) -> Any:
    """Drop the line markers the loader adds, recursively."""
    if isinstance(value, dict):
        return {k: strip_lines(v) for k, v in value.items() if k != LINE_KEY}
    if isinstance(value, list):
        return [strip_lines(v) for v in value]
    return value


def _string_list(raw: Any) -> tuple[str, ...] | None:
    if raw is None:
        return ()
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return tuple(item.strip() for item in raw)
    return None


def _optional_text(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _sources(raw: Any) -> tuple[Source, ...] | None:
    """The `checked_against` list, or None when it is not a list of titled http(s) links."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        return None
    sources = []
    for item in raw:
        title = item.get("title") if isinstance(item, dict) else None
        url = item.get("url") if isinstance(item, dict) else None
        if not isinstance(title, str) or not title.strip() or not isinstance(url, str):
            return None
        if not url.startswith(("https://", "http://")):
            return None
        sources.append(Source(title.strip(), url.strip()))
    return tuple(sources)


def _parse_entry(
    raw: Any, file: str, problems: list[Problem]
) -> tuple[Entry, dict[Language, Entry]] | None:
    """The entry (matching every language's questions) and its translations, or None."""
    if not isinstance(raw, dict):
        problems.append(
            Problem(file, 0, None, "each entry must be a mapping with id, questions...")
        )
        return None
    line = int(raw.get(LINE_KEY, 0))
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not entry_id.strip():
        problems.append(Problem(file, line, None, "missing field `id`"))
        return None

    def problem(message: str) -> None:
        problems.append(Problem(file, line, entry_id, message))

    before = len(problems)
    kind_name = raw.get("kind", Kind.FAQ.value)
    kind = Kind(kind_name) if kind_name in {k.value for k in ENTRY_KINDS} else None
    if kind is None:
        problem(f"unknown kind {kind_name!r} (use faq, technique, routine or safety)")
    questions = _string_list(raw.get("questions"))
    if questions is None or len([q for q in questions if q]) < MIN_QUESTIONS:
        problem(f"`questions` must list at least {MIN_QUESTIONS} phrasings")
    answer = _optional_text(raw, "answer")
    steps = _string_list(raw.get("steps"))
    if steps is None or any(not step for step in steps):
        problem("`steps` must be a list of non-empty strings")
    if "steps" in raw and not steps:
        problem("`steps` is empty")
    if not answer and not steps:
        problem("missing field `answer` (or `steps`)")
    if kind in {Kind.TECHNIQUE, Kind.ROUTINE} and not steps:
        problem(f"a {kind} entry needs `steps`")
    health = raw.get("health")
    if not isinstance(health, bool):
        problem("missing field `health` (true or false)")
    source = _optional_text(raw, "source")
    if not source:
        problem("missing field `source` (the guide's section title, or `authored`)")
    related = _string_list(raw.get("related"))
    keywords = _string_list(raw.get("keywords"))
    if related is None or keywords is None:
        problem("`related` and `keywords` must be lists of strings")
    checked_against = _sources(raw.get("checked_against"))
    if checked_against is None:
        problem("`checked_against` must list sources, each with a `title` and an http(s) `url`")
    if len(problems) > before or kind is None:
        return None
    if questions is None or steps is None or related is None or keywords is None:
        return None
    if source is None or not isinstance(health, bool) or checked_against is None:
        return None
    title = _optional_text(raw, "title") or questions[0].rstrip("?")
    entry = Entry(
        id=entry_id.strip(),
        kind=kind,
        title=title,
        questions=tuple(q for q in questions if q),
        answer=answer,
        steps=steps,
        health=health,
        source=source,
        related=related,
        keywords=keywords,
        tip=_optional_text(raw, "tip"),
        summary=_optional_text(raw, "summary"),
        time=_optional_text(raw, "time"),
        caution=_optional_text(raw, "caution"),
        checked_against=checked_against,
        file=file,
        line=line,
    )
    translations = {}
    for language in TRANSLATIONS:
        translated = _translation(raw, entry, language, problem)
        if translated is not None:
            translations[language] = translated
    questions_everywhere = [*entry.questions]
    keywords_everywhere = [*entry.keywords]
    for translated in translations.values():
        questions_everywhere += translated.questions
        keywords_everywhere += translated.keywords
    matched = replace(
        entry, questions=tuple(questions_everywhere), keywords=tuple(keywords_everywhere)
    )
    return matched, {
        language: replace(translated, questions=matched.questions, keywords=matched.keywords)
        for language, translated in translations.items()
    }


def _placeholders(text: str | None) -> set[str]:
    return set(_PLACEHOLDER.findall(text or ""))


def _translation(
    raw: dict[str, Any], entry: Entry, language: Language, problem: Callable[[str], None]
) -> Entry | None:
    """The entry in ``language`` from its block (``fr:``), or None after reporting why not."""
    block = raw.get(language.value)
    if not isinstance(block, dict):
        problem(f"missing its `{language.value}:` block (the entry in that language)")
        return None
    wrong = []
    for key in block:
        if key != LINE_KEY and key not in TRANSLATED_TEXTS + TRANSLATED_LISTS:
            wrong.append(f"`{language.value}.{key}` is shared: write it once, outside the block")
    texts = {key: _optional_text(block, key) for key in TRANSLATED_TEXTS}
    for key, text in texts.items():
        english = entry.title if key == "title" else getattr(entry, key)
        if (text is None) != (english is None):
            side = f"`{language.value}:`" if text is None else "the English"
            wrong.append(f"`{key}` is missing from {side}")
        elif _placeholders(text) != _placeholders(english):
            wrong.append(f"`{language.value}.{key}` must keep the English {{placeholders}}")
    lists = {key: _string_list(block.get(key)) for key in TRANSLATED_LISTS}
    steps, questions, keywords = lists["steps"], lists["questions"], lists["keywords"]
    if steps is None or questions is None or keywords is None:
        wrong.append(f"`{language.value}` questions, keywords and steps must be lists of strings")
    else:
        if len(steps) != len(entry.steps):
            counts = f"{len(steps)} steps, the English {len(entry.steps)}"
            wrong.append(f"`{language.value}.steps` has {counts}")
        if len([q for q in questions if q]) < MIN_QUESTIONS:
            wrong.append(f"`{language.value}.questions` needs at least {MIN_QUESTIONS} phrasings")
    for message in wrong:
        problem(message)
    if wrong or steps is None or questions is None or keywords is None:
        return None
    return replace(
        entry,
        title=texts["title"] or entry.title,
        summary=texts["summary"],
        answer=texts["answer"],
        time=texts["time"],
        caution=texts["caution"],
        tip=texts["tip"],
        questions=tuple(q for q in questions if q),
        keywords=keywords,
        steps=steps,
    )


def _yaml_documents(
    folder: Path, root: Path, shape: type, shape_name: str, problems: list[Problem]
) -> Iterator[tuple[str, Any]]:
    """Each readable YAML file of a folder whose top level has the expected shape."""
    paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    for path in paths:
        file = _display(path, root)
        data = _read_yaml(path, root, problems)
        if data is None:
            continue
        if not isinstance(data, shape):
            problems.append(Problem(file, 1, None, f"this file must be a YAML {shape_name}"))
            continue
        yield file, data


def _read_entries(
    root: Path, problems: list[Problem]
) -> tuple[list[Entry], dict[Language, tuple[Entry, ...]]]:
    """The English entries and, for each other language, the same entries translated."""
    entries: list[Entry] = []
    translated: dict[Language, list[Entry]] = {language: [] for language in TRANSLATIONS}
    seen: dict[str, Entry] = {}
    for file, data in _yaml_documents(root / "faq", root, list, "list of entries", problems):
        for raw in data:
            parsed = _parse_entry(raw, file, problems)
            if parsed is None:
                continue
            entry, translations = parsed
            if entry.id in seen:
                first = seen[entry.id]
                message = f"duplicate id (first defined at {first.file}:{first.line})"
                problems.append(Problem(file, entry.line, entry.id, message))
                continue
            seen[entry.id] = entry
            entries.append(entry)
            for language, translation in translations.items():
                translated[language].append(translation)
    if not entries and not problems:
        problems.append(Problem(_display(root / "faq", root), 0, None, "no entries found"))
    for entry in entries:
        for related_id in entry.related:
            if related_id not in seen:
                message = f"unknown `related` id {related_id!r}"
                problems.append(Problem(entry.file, entry.line, entry.id, message))
    return entries, {language: tuple(found) for language, found in translated.items()}


def _read_texts(root: Path, problems: list[Problem]) -> dict[Language, dict[str, str]]:
    """The English texts, and each other language's from its folder with the same keys."""
    english = _read_text_folder(root / "texts", root, problems)
    texts = {DEFAULT_LANGUAGE: english}
    for language in TRANSLATIONS:
        folder = root / "texts" / language.value
        translated = _read_text_folder(folder, root, problems)
        where = _display(folder, root)
        for key, text in english.items():
            if key not in translated:
                problems.append(Problem(where, 0, key, f"missing its {language.value} text"))
            elif _placeholders(translated[key]) != _placeholders(text):
                message = f"the {language.value} text must keep the English {{placeholders}}"
                problems.append(Problem(where, 0, key, message))
        for key in translated.keys() - english.keys():
            problems.append(Problem(where, 0, key, "has no English text of that key"))
        texts[language] = translated
    return texts


def _read_text_folder(folder: Path, root: Path, problems: list[Problem]) -> dict[str, str]:
    texts: dict[str, str] = {}
    origin: dict[str, str] = {}
    for file, data in _yaml_documents(folder, root, dict, "mapping of texts", problems):
        for key, value in strip_lines(data).items():
            if not isinstance(value, str):
                problems.append(Problem(file, 0, key, "a text must be a string"))
            elif key in texts:
                problems.append(Problem(file, 0, key, f"text key also defined in {origin[key]}"))
            else:
                texts[key] = value.strip()
                origin[key] = file
    return texts


def _read_mapping(path: Path, root: Path, problems: list[Problem]) -> dict[str, Any]:
    if not path.is_file():
        problems.append(Problem(_display(path, root), 0, None, "file is missing"))
        return {}
    data = _read_yaml(path, root, problems)
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(Problem(_display(path, root), 1, None, "must be a YAML mapping"))
        return {}
    result: dict[str, Any] = strip_lines(data)
    return result


def _version(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.y*ml")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def read_knowledge(root: Path) -> Knowledge:
    """Read everything, collecting problems instead of stopping at the first one."""
    root = Path(root)
    if not root.is_dir():
        raise KnowledgeError(f"knowledge folder not found: {root} (set FOOTBOT_KNOWLEDGE)")
    problems: list[Problem] = []
    entries, translations = _read_entries(root, problems)
    texts = _read_texts(root, problems)
    language = _read_mapping(root / "language.yaml", root, problems)
    triage = _read_mapping(root / "triage.yaml", root, problems)
    return Knowledge(
        root=root,
        entries=tuple(entries),
        texts=texts,
        language=language,
        triage=triage,
        version=_version(root),
        problems=tuple(problems),
        translations=translations,
    )
