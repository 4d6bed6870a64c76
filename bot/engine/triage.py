"""Safety routing that runs before any matching: urgent symptoms first, then contraindications.

Rules live in knowledge/triage.yaml so a clinician can review and extend them without Python.
"""

import re
from dataclasses import dataclass
from typing import Any

from bot.engine.problems import Problem
from bot.engine.text import normalize

TRIAGE_FILE = "knowledge/triage.yaml"


@dataclass(frozen=True)
class RedFlag:
    """Urgent when every pattern matches somewhere in the normalised message."""

    id: str
    patterns: tuple[re.Pattern[str], ...]

    def matches(self, normalized: str) -> bool:
        return all(pattern.search(normalized) for pattern in self.patterns)


class Triage:
    """Decides whether a message is an emergency or a question about a contraindication."""

    def __init__(self, rules: dict[str, Any]) -> None:
        self.problems: list[Problem] = []
        self.red_flags = tuple(self._red_flags(rules.get("red_flags") or []))
        terms = sorted({n for t in rules.get("safety_terms") or [] if (n := normalize(t))})
        alternatives = "|".join(re.escape(t) for t in terms) or r"(?!)"
        self._safety_terms = re.compile(rf"\b(?:{alternatives})\b")
        overview = rules.get("safety_overview")
        self.safety_overview: str | None = overview if isinstance(overview, str) else None

    def _red_flags(self, raw_rules: list[Any]) -> list[RedFlag]:
        flags = []
        for raw in raw_rules:
            rule_id = raw.get("id") if isinstance(raw, dict) else None
            patterns = raw.get("all") if isinstance(raw, dict) else None
            if not isinstance(rule_id, str) or not isinstance(patterns, list) or not patterns:
                self.problems.append(
                    Problem(TRIAGE_FILE, 0, None, "each red flag needs an `id` and an `all` list")
                )
                continue
            try:
                compiled = tuple(re.compile(str(p)) for p in patterns)
            except re.error as error:
                self.problems.append(Problem(TRIAGE_FILE, 0, rule_id, f"bad pattern: {error}"))
                continue
            flags.append(RedFlag(rule_id, compiled))
        return flags

    def red_flag(self, normalized: str) -> RedFlag | None:
        """The first red flag the message raises, if any."""
        return next((flag for flag in self.red_flags if flag.matches(normalized)), None)

    def mentions_contraindication(self, normalized: str) -> bool:
        return self._safety_terms.search(normalized) is not None
