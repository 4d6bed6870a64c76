"""Score the engine on an evaluation set (the format of the shared dev set and of eval/).

Each case names the message, what the reply must be (``answer``, ``fallback`` or ``urgent``), an
optional reply kind, the entry or entries that answer it (``id``), regexes the reply text must all
match, and whether the disclaimer is required. An answer case is right only when the reply comes
from one of its entries: answering something else is worse than abstaining, and is counted so.
"""

import multiprocessing
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from itertools import repeat, zip_longest
from pathlib import Path

import yaml

from bot.engine import Context, Engine, Kind, Reply
from bot.engine.languages import language_of_code

ANSWER_KINDS = frozenset({Kind.FAQ, Kind.TECHNIQUE, Kind.ROUTINE, Kind.SAFETY, Kind.GREETING})
# Messages at least this long count as "long" in the report: the question is buried in a story.
LONG_MESSAGE_CHARS = 300
CONFUSIONS_SHOWN = 25

Answerer = Callable[[str], Reply]


class EvalSetError(Exception):
    """The evaluation file cannot be read; the message says where."""


@dataclass(frozen=True)
class Case:
    question: str
    expect: str
    kind: str | None
    must: tuple[str, ...]
    disclaimer: bool | None
    ids: tuple[str, ...] = ()
    lang: str | None = None
    # The red-flag category of an urgent case (its reply's id is ``urgent-<flag>``).
    flag: str | None = None

    @property
    def is_small_talk(self) -> bool:
        return self.kind == Kind.GREETING.value


@dataclass(frozen=True)
class Outcome:
    case: Case
    reply: Reply
    failures: tuple[str, ...]

    @property
    def right(self) -> bool:
        return not self.failures


def _describe(reply: Reply) -> str:
    return reply.entry_id or reply.kind.value


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def rate(self, expect: str) -> tuple[int, int]:
        return self._count(lambda o: o.case.expect == expect)

    def _count(self, chosen: Callable[[Outcome], bool]) -> tuple[int, int]:
        picked = [o for o in self.outcomes if chosen(o)]
        return sum(o.right for o in picked), len(picked)

    def disclaimer_compliance(self) -> tuple[int, int]:
        chosen = [o for o in self.outcomes if o.case.disclaimer]
        return sum(o.reply.disclaimer for o in chosen), len(chosen)

    def categories(self) -> list[tuple[str, tuple[int, int]]]:
        """Right and total per category; categories with no case are left out."""
        rows = [
            ("answer", self.rate("answer")),
            ("  entries", self._count(lambda o: o.case.expect == "answer" and bool(o.case.ids))),
            ("  small talk", self._count(lambda o: o.case.is_small_talk)),
            ("fallback", self.rate("fallback")),
            ("urgent", self.rate("urgent")),
            ("disclaimer", self.disclaimer_compliance()),
            ("french", self._count(lambda o: o.case.lang == "fr")),
            ("long", self._count(lambda o: len(o.case.question) >= LONG_MESSAGE_CHARS)),
            ("overall", self._count(lambda o: True)),
        ]
        return [(label, counts) for label, counts in rows if counts[1] or label == "overall"]

    def lines(self) -> list[str]:
        return [
            f"{label:<13} {right:>4}/{total:<4} {percent(right, total)}"
            for label, (right, total) in self.categories()
        ]

    def confusions(self) -> list[tuple[str, str, int]]:
        """(expected, returned, count) for every wrong reply, the most frequent first."""
        counts = Counter(
            (" | ".join(o.case.ids) or o.case.kind or o.case.expect, _describe(o.reply))
            for o in self.outcomes
            if not o.right
        )
        return [(expected, got, n) for (expected, got), n in counts.most_common()]

    def confusion_lines(self, limit: int = CONFUSIONS_SHOWN) -> list[str]:
        rows = self.confusions()
        lines = [f"{n:>4}  {expected} -> {got}" for expected, got, n in rows[:limit]]
        if len(rows) > limit:
            lines.append(f"      ... and {len(rows) - limit} more pairs")
        return ["confusions (expected -> returned):", *lines] if lines else []

    def misses(self) -> list[str]:
        return [
            f"MISS {o.case.question!r}: {'; '.join(o.failures)} "
            f"(got {o.reply.kind.value} {o.reply.entry_id or ''} {o.reply.confidence:.2f})"
            for o in self.outcomes
            if not o.right
        ]


def percent(right: int, total: int) -> str:
    return f"{100 * right / total:5.1f}%" if total else "  n/a"


def _ids(raw: object) -> tuple[str, ...]:
    if raw is None:
        return ()
    return tuple(str(i) for i in raw) if isinstance(raw, list) else (str(raw),)


def load_cases(path: Path) -> list[Case]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise EvalSetError(f"{path}: cannot read evaluation set: {error}") from error
    if not isinstance(raw, list):
        raise EvalSetError(f"{path}: an evaluation set is a YAML list of cases")
    cases = []
    for number, item in enumerate(raw, 1):
        if not isinstance(item, dict) or "q" not in item or "expect" not in item:
            raise EvalSetError(f"{path}: case {number} needs `q` and `expect`")
        cases.append(
            Case(
                question=str(item["q"]),
                expect=str(item["expect"]),
                kind=item.get("kind") or None,
                must=tuple(str(p) for p in item.get("must") or ()),
                disclaimer=item.get("disclaimer"),
                ids=_ids(item.get("id")),
                lang=item.get("lang") or None,
                flag=item.get("flag") or None,
            )
        )
    return cases


def judge(case: Case, reply: Reply) -> Outcome:
    failures = []
    if case.expect == "answer" and reply.kind not in ANSWER_KINDS:
        failures.append(f"expected an answer, got {reply.kind.value}")
    elif case.expect in {"fallback", "urgent"} and reply.kind.value != case.expect:
        failures.append(f"expected {case.expect}, got {reply.kind.value}")
    elif case.flag and reply.entry_id != f"urgent-{case.flag}":
        failures.append(f"expected urgent-{case.flag}, got {_describe(reply)}")
    elif case.ids and reply.entry_id not in case.ids:
        failures.append(f"expected {' or '.join(case.ids)}, got {_describe(reply)}")
    if case.kind and reply.kind.value != case.kind:
        failures.append(f"expected kind {case.kind}")
    failures += [f"text lacks /{p}/" for p in case.must if not re.search(p, reply.text, re.I)]
    if case.disclaimer and not reply.disclaimer:
        failures.append("disclaimer missing")
    if case.lang and reply.language.value != case.lang:
        failures.append(f"replied in {reply.language.value}, not {case.lang}")
    return Outcome(case, reply, tuple(failures))


def evaluate(engine: Engine | Answerer, cases: Iterable[Case]) -> Report:
    """Each case asked as the first message of a chat in the case's language (as a person whose
    app speaks it), so a message too short to show its language is judged as Telegram would
    present it; one whose words say otherwise is still answered in theirs, and judged wrong."""
    report = Report()
    for case in cases:
        if isinstance(engine, Engine):
            chat = Context(language=language_of_code(case.lang))
            reply = engine.answer(case.question, chat)
        else:
            reply = engine(case.question)
        report.outcomes.append(judge(case, reply))
    return report


def evaluate_in_processes(
    knowledge_dir: Path, cases: Sequence[Case], processes: int | None = None
) -> Report:
    """``evaluate`` with the cases dealt out among processes (one per core this process may use,
    by default), each with its own engine: the same report in the same order, in a fraction of
    the time on a machine with several cores. The processes are spawned, not forked, so none
    inherits the caller's threads or open files."""
    if processes is None:
        processes = _usable_cores()
    if processes <= 1 or len(cases) < processes:
        return evaluate(_engine(knowledge_dir), cases)
    shares = [cases[start::processes] for start in range(processes)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        answered = list(pool.map(_evaluate_share, repeat(knowledge_dir), shares))
    report = Report()
    report.outcomes = [o for dealt in zip_longest(*answered) for o in dealt if o is not None]
    return report


@cache
def _engine(knowledge_dir: Path) -> Engine:
    return Engine.load(knowledge_dir)


def _evaluate_share(knowledge_dir: Path, cases: Sequence[Case]) -> list[Outcome]:
    return evaluate(_engine(knowledge_dir), cases).outcomes


def _usable_cores() -> int:
    """The cores this process may run on: fewer than the machine has under an affinity mask."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
