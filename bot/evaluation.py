"""Score the engine on an evaluation set (the format of the shared dev set).

Each case names the message, what the reply must be (``answer``, ``fallback`` or ``urgent``), an
optional kind, regexes the reply text must all match, and whether the disclaimer is required.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.engine import Engine, Kind, Reply

ANSWER_KINDS = frozenset({Kind.FAQ, Kind.TECHNIQUE, Kind.ROUTINE, Kind.SAFETY, Kind.GREETING})


class EvalSetError(Exception):
    """The evaluation file cannot be read; the message says where."""


@dataclass(frozen=True)
class Case:
    question: str
    expect: str
    kind: str | None
    must: tuple[str, ...]
    disclaimer: bool | None


@dataclass(frozen=True)
class Outcome:
    case: Case
    reply: Reply
    failures: tuple[str, ...]

    @property
    def right(self) -> bool:
        return not self.failures


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def rate(self, expect: str) -> tuple[int, int]:
        chosen = [o for o in self.outcomes if o.case.expect == expect]
        return sum(o.right for o in chosen), len(chosen)

    def disclaimer_compliance(self) -> tuple[int, int]:
        chosen = [o for o in self.outcomes if o.case.disclaimer]
        return sum(o.reply.disclaimer for o in chosen), len(chosen)

    def lines(self) -> list[str]:
        lines = []
        for label, (right, total) in (
            ("answer", self.rate("answer")),
            ("fallback", self.rate("fallback")),
            ("urgent", self.rate("urgent")),
            ("disclaimer", self.disclaimer_compliance()),
        ):
            lines.append(f"{label:<11} {right:>3}/{total:<3} {_percent(right, total)}")
        right = sum(o.right for o in self.outcomes)
        lines.append(
            f"{'overall':<11} {right:>3}/{len(self.outcomes):<3} "
            f"{_percent(right, len(self.outcomes))}"
        )
        return lines

    def misses(self) -> list[str]:
        return [
            f"MISS {o.case.question!r}: {'; '.join(o.failures)} "
            f"(got {o.reply.kind.value} {o.reply.entry_id or ''} {o.reply.confidence:.2f})"
            for o in self.outcomes
            if not o.right
        ]


def _percent(right: int, total: int) -> str:
    return f"{100 * right / total:5.1f}%" if total else "  n/a"


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
            )
        )
    return cases


def judge(case: Case, reply: Reply) -> Outcome:
    failures = []
    if case.expect == "answer" and reply.kind not in ANSWER_KINDS:
        failures.append(f"expected an answer, got {reply.kind.value}")
    elif case.expect in {"fallback", "urgent"} and reply.kind.value != case.expect:
        failures.append(f"expected {case.expect}, got {reply.kind.value}")
    if case.kind and reply.kind.value != case.kind:
        failures.append(f"expected kind {case.kind}")
    failures += [f"text lacks /{p}/" for p in case.must if not re.search(p, reply.text, re.I)]
    if case.disclaimer and not reply.disclaimer:
        failures.append("disclaimer missing")
    return Outcome(case, reply, tuple(failures))


def evaluate(engine: Engine, cases: Iterable[Case]) -> Report:
    report = Report()
    for case in cases:
        report.outcomes.append(judge(case, engine.answer(case.question)))
    return report
