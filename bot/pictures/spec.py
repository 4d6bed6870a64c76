"""Reading knowledge/pictures.yaml, the declarative description of each diagram, in each language.

The file is walked as a YAML node tree (not plain data) so every problem can point at the line
that causes it. A picture is drawn once per language: what it shows (view, zones, arrows) is
written once and shared, and only the words change. Its title and caption sit in the entry, with
their French in a ``fr:`` block beside them, like the entries of knowledge/faq/; zone and view
labels are fixed texts, in knowledge/texts/pictures.yaml and knowledge/texts/fr/pictures.yaml.
Whether the picture font can draw a text is known only to the drawing code (and Pillow), so it
passes that check in as ``undrawable``; ``footbot check`` reads without it.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.engine.knowledge import TRANSLATIONS
from bot.engine.languages import DEFAULT_LANGUAGE, Language
from bot.engine.problems import Problem
from bot.pictures.vocabulary import ZONES, ZONES_BY_VIEW, Motion, View

PICTURES_FILE = "pictures.yaml"  # inside the knowledge folder
LABEL_KEY_PREFIX = "picture_zone_"
VIEW_KEY_PREFIX = "picture_view_"
MAX_LANES = 3

_WORDS_KEYS = {"title", "caption"}  # the keys a language block may hold
_ENTRY_KEYS = {
    "view",
    "zones",
    "arrows",
    *_WORDS_KEYS,
    *(language.value for language in TRANSLATIONS),
}
_STROKE_KEYS = {"from", "to", "via", "lanes", "both_ways"}
_GESTURE_KEYS = {"zone", "motion"}

T = TypeVar("T")

# The characters of a text that the picture font cannot draw, in order of appearance.
UndrawableCheck = Callable[[str], list[str]]


def labels_file(language: Language) -> Path:
    """Where the zone and view labels in ``language`` live, inside the knowledge folder."""
    folder = Path("texts")
    if language is not DEFAULT_LANGUAGE:
        folder = folder / language.value
    return folder / "pictures.yaml"


class PicturesError(Exception):
    """The picture descriptions cannot be used; the message is one line naming file and line."""


@dataclass(frozen=True)
class Stroke:
    """A movement from one zone to another, optionally bending through a third."""

    start: str
    end: str
    via: str | None = None
    lanes: int = 1  # parallel arrows, for strokes that sweep a wide area
    both_ways: bool = False  # a back-and-forth movement: heads at both ends


@dataclass(frozen=True)
class Gesture:
    """A movement that stays on one zone (circling, squeezing, pulling, pressing)."""

    zone: str
    motion: Motion


Arrow = Stroke | Gesture


@dataclass(frozen=True)
class Zone:
    """A highlighted zone and the words written beside it."""

    name: str
    label: str


@dataclass(frozen=True)
class PictureSpec:
    """Everything needed to draw one technique's diagram; rendering depends on nothing else."""

    technique_id: str
    title: str
    subtitle: str  # names the view, e.g. "Sole of the foot"
    view: View
    zones: tuple[Zone, ...]
    arrows: tuple[Arrow, ...] = ()
    caption: str | None = None


Pictures = dict[Language, dict[str, PictureSpec]]  # by language, then by technique id


@dataclass(frozen=True)
class PicturesFile:
    """What reading knowledge/pictures.yaml found: the usable descriptions and every problem."""

    specs: Pictures  # an entry is here, in every language, only when it has no problem
    entry_lines: dict[str, int]  # every entry by technique id, valid or not
    problems: list[Problem]
    parsed: bool  # the file was read as a YAML mapping


@dataclass(frozen=True)
class _Words:
    """The words of one picture that change with the language."""

    title: str
    caption: str | None


def read_pictures(pictures_file: Path, undrawable: UndrawableCheck | None = None) -> PicturesFile:
    """The descriptions and every problem in them, texts checked against a font if one is given."""
    knowledge_dir = pictures_file.parent
    labels: dict[Language, dict[str, str]] = {}
    problems: list[Problem] = []
    for language in Language:
        labels_reader = _Reader(knowledge_dir / labels_file(language), knowledge_dir, undrawable)
        labels[language] = labels_reader.read_texts()
        problems += labels_reader.problems
    reader = _Reader(pictures_file, knowledge_dir, undrawable, labels)
    reader.read_specs()
    return PicturesFile(
        reader.specs, reader.entry_lines, problems + reader.problems, reader.parsed
    )


def load_pictures(pictures_file: Path, undrawable: UndrawableCheck | None = None) -> Pictures:
    """All picture descriptions by language and technique id; raises PicturesError on the first
    problem."""
    found = read_pictures(pictures_file, undrawable)
    if found.problems:
        count = len(found.problems)
        more = f" (and {count - 1} more problems)" if count > 1 else ""
        raise PicturesError(f"{found.problems[0]}{more}")
    return found.specs


class _Reader:
    """Turns one YAML file into values, collecting problems instead of stopping at the first."""

    def __init__(
        self,
        path: Path,
        knowledge_dir: Path,
        undrawable: UndrawableCheck | None,
        labels: dict[Language, dict[str, str]] | None = None,
    ) -> None:
        self.path = path
        self.knowledge_dir = knowledge_dir
        self.undrawable = undrawable
        self.labels = labels or {}
        self.problems: list[Problem] = []
        self.specs: Pictures = {language: {} for language in Language}
        self.entry_lines: dict[str, int] = {}  # every entry, valid or not
        self.parsed = False  # the file was read as a YAML mapping
        self.entry_id: str | None = None

    def problem(self, node: Node | None, message: str) -> None:
        line = _line(node) if node is not None else 1
        self.problems.append(
            Problem(shown_path(self.path, self.knowledge_dir), line, self.entry_id, message)
        )

    def root(self) -> MappingNode | None:
        try:
            root = yaml.compose(self.path.read_text(encoding="utf-8"))
        except OSError as error:
            self.problem(None, f"cannot read the file: {error.strerror}")
            return None
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark
            line = mark.line + 1 if mark is not None else 1
            problem = Problem(
                shown_path(self.path, self.knowledge_dir), line, None, f"bad YAML: {error.problem}"
            )
            self.problems.append(problem)
            return None
        if not isinstance(root, MappingNode):
            self.problem(root, "expected a mapping at the top level")
            return None
        return root

    def read_texts(self) -> dict[str, str]:
        root = self.root()
        if root is None:
            return {}
        texts: dict[str, str] = {}
        for key, value in self.pairs(root):
            text = self.drawable_string(value)
            if text is not None:
                texts[key] = text
        return texts

    def read_specs(self) -> None:
        root = self.root()
        if root is None:
            return
        self.parsed = True
        for technique_id, node in self.pairs(root):
            self.entry_id = technique_id
            self.entry_lines[technique_id] = _line(node)
            for language, spec in self.entry(technique_id, node).items():
                self.specs[language][technique_id] = spec
        self.entry_id = None

    def pairs(self, mapping: MappingNode) -> Iterator[tuple[str, Node]]:
        """Key/value pairs of a mapping, reporting duplicate and non-text keys."""
        seen: set[str] = set()
        for key_node, value in mapping.value:
            key = self.string(key_node)
            if key is None:
                continue
            if key in seen:
                self.problem(key_node, f"duplicate key '{key}'")
                continue
            seen.add(key)
            yield key, value

    def fields(self, node: Node, allowed: set[str], what: str) -> dict[str, Node] | None:
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a mapping")
            return None
        fields = dict(self.pairs(node))
        for key in sorted(set(fields) - allowed):
            self.problem(node, f"unknown key '{key}' in {what} (allowed: {_listing(allowed)})")
        return fields

    def entry(self, technique_id: str, node: Node) -> dict[Language, PictureSpec]:
        """The entry's picture in every language, or none at all after reporting why."""
        fields = self.fields(node, _ENTRY_KEYS, "a picture")
        if fields is None:
            return {}
        words = {DEFAULT_LANGUAGE: self.words(fields, node)}
        for language in TRANSLATIONS:
            words[language] = self.translated_words(fields, language, node)
        view = self.view(fields, node)
        if view is None:
            return {}
        zones = self.zones(fields.get("zones"), view, node)
        arrows = self.arrows(fields.get("arrows"), view)
        specs: dict[Language, PictureSpec] = {}
        for language, said in words.items():
            labelled = self.labelled(zones or [], language)
            subtitle = self.label(language, VIEW_KEY_PREFIX + view, fields["view"])
            if said and zones is not None and arrows is not None and labelled and subtitle:
                specs[language] = PictureSpec(
                    technique_id, said.title, subtitle, view, labelled, arrows, said.caption
                )
        return specs if len(specs) == len(Language) else {}

    def words(self, fields: dict[str, Node], entry: Node) -> _Words | None:
        """The title and caption written in one language's fields."""
        if "title" not in fields:
            self.problem(entry, "missing 'title'")
        title = self.drawable_string(fields["title"]) if "title" in fields else None
        caption = self.drawable_string(fields["caption"]) if "caption" in fields else None
        if title is None or ("caption" in fields and caption is None):
            return None
        return _Words(title, caption)

    def translated_words(
        self, fields: dict[str, Node], language: Language, entry: Node
    ) -> _Words | None:
        """The words of the entry's block in ``language``, with a caption when the English has
        one and not otherwise."""
        key = language.value
        if key not in fields:
            self.problem(entry, f"missing its '{key}:' block (the title and caption in {key})")
            return None
        block = self.fields(fields[key], _WORDS_KEYS, f"a picture's '{key}:' block")
        if block is None:
            return None
        words = self.words(block, fields[key])
        if "caption" in fields and "caption" not in block:
            self.problem(fields[key], f"missing 'caption' in '{key}:' (the English has one)")
            return None
        if "caption" in block and "caption" not in fields:
            self.problem(block["caption"], f"a caption in '{key}:' but none in English")
            return None
        return words

    def view(self, fields: dict[str, Node], entry: Node) -> View | None:
        value = self.required_string(fields, "view", entry)
        if value is None:
            return None
        if value not in View.__members__.values():
            self.problem(fields["view"], f"bad view '{value}' (allowed: {_listing(set(View))})")
            return None
        return View(value)

    def zones(self, node: Node | None, view: View, entry: Node) -> list[tuple[str, Node]] | None:
        """The highlighted zones' names, each with its node, for the labels' problems."""
        if node is None:
            self.problem(entry, "missing 'zones'")
            return None
        if not isinstance(node, SequenceNode) or not node.value:
            self.problem(node, "'zones' must be a non-empty list of zone names")
            return None
        zones: list[tuple[str, Node]] = []
        for item in node.value:
            name = self.zone_name(item, view)
            if name is None:
                continue
            if any(known == name for known, _ in zones):
                self.problem(item, f"zone '{name}' is listed twice")
                continue
            zones.append((name, item))
        return zones if len(zones) == len(node.value) else None

    def labelled(
        self, zones: list[tuple[str, Node]], language: Language
    ) -> tuple[Zone, ...] | None:
        """The zones with their labels in ``language``."""
        labels = [self.label(language, LABEL_KEY_PREFIX + name, item) for name, item in zones]
        found = [
            Zone(name, label) for (name, _), label in zip(zones, labels, strict=True) if label
        ]
        return tuple(found) if len(found) == len(zones) else None

    def zone_name(self, node: Node, view: View) -> str | None:
        name = self.string(node)
        if name is None:
            return None
        if name not in ZONES:
            self.problem(node, f"unknown zone '{name}' (known zones: {_listing(ZONES)})")
            return None
        if name not in ZONES_BY_VIEW[view]:
            shown = _listing(ZONES_BY_VIEW[view])
            self.problem(node, f"zone '{name}' is not drawn in the {view} view (shown: {shown})")
            return None
        return name

    def label(self, language: Language, key: str, node: Node) -> str | None:
        label = self.labels.get(language, {}).get(key)
        if label is None:
            self.problem(node, f"no text '{key}' in knowledge/{labels_file(language).as_posix()}")
        return label

    def arrows(self, node: Node | None, view: View) -> tuple[Arrow, ...] | None:
        if node is None:
            return ()
        if not isinstance(node, SequenceNode):
            self.problem(node, "'arrows' must be a list")
            return None
        arrows = [self.arrow(item, view) for item in node.value]
        complete = [arrow for arrow in arrows if arrow is not None]
        return tuple(complete) if len(complete) == len(arrows) else None

    def arrow(self, node: Node, view: View) -> Arrow | None:
        keys = (
            {str(key.value) for key, _ in node.value} if isinstance(node, MappingNode) else set()
        )
        if "zone" in keys:
            return self.gesture(node, view)
        if keys & {"from", "to"}:
            return self.stroke(node, view)
        self.problem(node, "an arrow needs either 'zone' and 'motion', or 'from' and 'to'")
        return None

    def gesture(self, node: Node, view: View) -> Gesture | None:
        fields = self.fields(node, _GESTURE_KEYS, "an arrow on a zone")
        if fields is None:
            return None
        zone = self.zone_name(fields["zone"], view)
        motion = self.required_string(fields, "motion", node)
        if motion is not None and motion not in Motion.__members__.values():
            allowed = _listing(set(Motion))
            self.problem(fields["motion"], f"unknown motion '{motion}' (allowed: {allowed})")
            return None
        if zone is None or motion is None:
            return None
        return Gesture(zone, Motion(motion))

    def stroke(self, node: Node, view: View) -> Stroke | None:
        fields = self.fields(node, _STROKE_KEYS, "an arrow between zones")
        if fields is None:
            return None
        start = self.required_zone(fields, "from", node, view)
        end = self.required_zone(fields, "to", node, view)
        via = self.zone_name(fields["via"], view) if "via" in fields else None
        lanes = self.typed(fields["lanes"], int) if "lanes" in fields else 1
        both_ways = self.typed(fields["both_ways"], bool) if "both_ways" in fields else False
        if lanes is not None and not 1 <= lanes <= MAX_LANES:
            self.problem(fields["lanes"], f"'lanes' must be between 1 and {MAX_LANES}")
            return None
        if start is not None and start == end:
            self.problem(node, "an arrow cannot start and end on the same zone")
            return None
        if start is None or end is None or lanes is None or both_ways is None:
            return None
        if "via" in fields and via is None:
            return None
        return Stroke(start, end, via, lanes, both_ways)

    def required_zone(
        self, fields: dict[str, Node], key: str, entry: Node, view: View
    ) -> str | None:
        if key not in fields:
            self.problem(entry, f"missing '{key}'")
            return None
        return self.zone_name(fields[key], view)

    def required_string(self, fields: dict[str, Node], key: str, entry: Node) -> str | None:
        if key not in fields:
            self.problem(entry, f"missing '{key}'")
            return None
        return self.string(fields[key])

    def string(self, node: Node) -> str | None:
        value = self.typed(node, str)
        if value is not None and not value.strip():
            self.problem(node, "expected a non-empty text")
            return None
        return value

    def drawable_string(self, node: Node) -> str | None:
        """A text that will be drawn on a picture, so every character must exist in the font."""
        text = self.string(node)
        missing = self.undrawable(text) if text is not None and self.undrawable else []
        if missing:
            shown = " ".join(repr(character) for character in missing)
            self.problem(node, f"the picture font cannot draw {shown}; use plain characters")
            return None
        return text

    def typed(self, node: Node, kind: type[T]) -> T | None:
        """The node's value if it has the expected type, else None and a problem."""
        value = SafeConstructor().construct_object(node) if isinstance(node, ScalarNode) else node
        # bool is an int subclass; a lane count of `true` is still a mistake.
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return value
        self.problem(node, f"expected {_KIND_NAMES[kind]}")
        return None


_KIND_NAMES: dict[type, str] = {str: "a text", int: "a whole number", bool: "true or false"}


def shown_path(path: Path, knowledge_dir: Path) -> str:
    """The path as content editors know it: from the knowledge folder's name down."""
    try:
        return str(path.relative_to(knowledge_dir.parent))
    except ValueError:
        return str(path)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _listing(words: set[str] | frozenset[str]) -> str:
    return ", ".join(sorted(words))
