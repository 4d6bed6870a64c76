"""Every kind of inline button the bot makes, one typed payload class per action.

A payload is what a button means; ``callbacks.CallbackCodec`` turns it into callback data and
back. ``knowledge_bound`` payloads name knowledge (an entry id, a step number) and are stamped
with the knowledge version, so after a knowledge edit they read as out of date rather than as a
wrong answer. The others mean the same whatever the knowledge (turn the reminder off, snooze, a
zone pick), so a reminder sent last night keeps working after an edit and a restart.

A payload checks its own fields in ``__post_init__``: a value that could not have come from the
bot (a forged or mangled button) raises ``ValueError``, which the codec reads as "not ours".
"""

from dataclasses import dataclass
from datetime import time
from typing import ClassVar

from bot.engine.languages import Language
from bot.reminders.timeparse import parse_zone


@dataclass(frozen=True)
class Payload:
    prefix: ClassVar[str]
    knowledge_bound: ClassVar[bool] = True


@dataclass(frozen=True)
class Answer(Payload):
    """An entry's answer, as if its question had been typed."""

    prefix = "answer"
    entry_id: str


@dataclass(frozen=True)
class Walk(Payload):
    """The first step of a technique or the routine, as a new message."""

    prefix = "walk"
    entry_id: str


@dataclass(frozen=True)
class Step(Payload):
    """One step of a walkthrough, edited into the message in place."""

    prefix = "step"
    entry_id: str
    index: int

    def __post_init__(self) -> None:
        if self.index < 0:
            raise ValueError(f"negative step index {self.index}")


@dataclass(frozen=True)
class Done(Payload):
    """The end of a walkthrough: what to do next."""

    prefix = "done"
    entry_id: str


@dataclass(frozen=True)
class ListTechniques(Payload):
    prefix = "techniques"


MENU_TARGETS = ("ask", "techniques", "routine", "safety", "reminder")


@dataclass(frozen=True)
class Menu(Payload):
    """A main-menu choice; the targets are the bot's own features, not knowledge."""

    prefix = "menu"
    knowledge_bound = False
    target: str

    def __post_init__(self) -> None:
        if self.target not in MENU_TARGETS:
            raise ValueError(f"unknown menu target {self.target!r}")


@dataclass(frozen=True)
class PickTime(Payload):
    """A quick-pick reminder time, as "HHMM" (the codec reserves ":")."""

    prefix = "rtime"
    knowledge_bound = False
    hhmm: str

    def __post_init__(self) -> None:
        self.local_time()

    @classmethod
    def of(cls, value: time) -> "PickTime":
        return cls(value.strftime("%H%M"))

    def local_time(self) -> time:
        if len(self.hhmm) != 4 or not self.hhmm.isdigit():
            raise ValueError(f"not an HHMM time: {self.hhmm!r}")
        return time(int(self.hhmm[:2]), int(self.hhmm[2:]))


@dataclass(frozen=True)
class PickZone(Payload):
    """A quick-pick time zone."""

    prefix = "rzone"
    knowledge_bound = False
    zone: str

    def __post_init__(self) -> None:
        if parse_zone(self.zone) is None:
            raise ValueError(f"unknown zone {self.zone!r}")


@dataclass(frozen=True)
class TypeZone(Payload):
    """Explain how to type another zone."""

    prefix = "rtype"
    knowledge_bound = False


@dataclass(frozen=True)
class Snooze(Payload):
    prefix = "rsnooze"
    knowledge_bound = False


@dataclass(frozen=True)
class TurnOff(Payload):
    prefix = "roff"
    knowledge_bound = False


@dataclass(frozen=True)
class ChooseLanguage(Payload):
    """The language this chat is answered in, chosen with /language."""

    prefix = "lang"
    knowledge_bound = False
    code: str

    def __post_init__(self) -> None:
        Language(self.code)  # ValueError for a code the bot does not speak


@dataclass(frozen=True)
class Feedback(Payload):
    """👍 (helpful=1) or 👎 (helpful=0) on an answer; the entry is recorded whatever the
    knowledge says today, so an old answer's buttons still count."""

    prefix = "fb"
    knowledge_bound = False
    entry_id: str
    helpful: int

    def __post_init__(self) -> None:
        if self.helpful not in (0, 1):
            raise ValueError(f"feedback is 0 or 1, not {self.helpful}")


ACTIONS: tuple[type[Payload], ...] = (
    Answer,
    Walk,
    Step,
    Done,
    ListTechniques,
    Menu,
    PickTime,
    PickZone,
    TypeZone,
    Snooze,
    TurnOff,
    Feedback,
    ChooseLanguage,
)
