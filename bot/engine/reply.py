"""What the engine says back, and the one place where the medical disclaimer is attached."""

from dataclasses import dataclass, field
from enum import StrEnum

from bot.engine.languages import DEFAULT_LANGUAGE, Language


class Kind(StrEnum):
    """The kind of a reply; channels use it to decide how to present the text."""

    FAQ = "faq"
    TECHNIQUE = "technique"
    ROUTINE = "routine"
    SAFETY = "safety"
    URGENT = "urgent"
    FALLBACK = "fallback"
    GREETING = "greeting"


# Kinds whose replies always carry the disclaimer, whatever the entry says.
ALWAYS_DISCLAIMED = frozenset({Kind.SAFETY, Kind.URGENT})


@dataclass(frozen=True)
class Suggestion:
    """A knowledge entry offered as a follow-up; the label is short enough for a button."""

    entry_id: str
    label: str


@dataclass(frozen=True)
class Reply:
    """A finished reply: ``text`` is exactly what the person sees, disclaimer included."""

    kind: Kind
    entry_id: str | None
    confidence: float
    text: str
    disclaimer: bool
    suggestions: tuple[Suggestion, ...] = field(default=())
    related: tuple[Suggestion, ...] = field(default=())
    language: Language = DEFAULT_LANGUAGE

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "id": self.entry_id,
            "confidence": round(self.confidence, 3),
            "text": self.text,
            "disclaimer": self.disclaimer,
            "suggestions": [s.entry_id for s in self.suggestions],
            "related": [s.entry_id for s in self.related],
            "lang": self.language.value,
        }


def finish_reply(
    kind: Kind,
    body: str,
    *,
    health: bool,
    disclaimer_text: str,
    language: Language = DEFAULT_LANGUAGE,
    entry_id: str | None = None,
    confidence: float = 1.0,
    suggestions: tuple[Suggestion, ...] = (),
    related: tuple[Suggestion, ...] = (),
) -> Reply:
    """Build every reply the bot sends, so the disclaimer rule lives here and nowhere else.

    A channel never appends the disclaimer itself: it sends ``Reply.text`` as it is.
    """
    with_disclaimer = health or kind in ALWAYS_DISCLAIMED
    text = f"{body.strip()}\n\n{disclaimer_text.strip()}" if with_disclaimer else body.strip()
    return Reply(
        kind=kind,
        entry_id=entry_id,
        confidence=max(0.0, min(1.0, confidence)),
        text=text,
        disclaimer=with_disclaimer,
        suggestions=suggestions,
        related=related,
        language=language,
    )
