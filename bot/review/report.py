"""The review report as data: groups of unanswered questions, disliked answers, replies per day.

Days are UTC calendar days: ``--days N`` covers today and the N - 1 days before it, from
midnight, for the questions, the 👍 / 👎 and the daily reply counts alike.
"""

from calendar import timegm
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.engine.knowledge import Knowledge
from bot.engine.text import normalize, stem
from bot.review.grouping import group_similar
from bot.storage import Question, Store, Verdict

FALLBACK = "fallback"
# The answers with the most 👎 that the report lists.
MOST_DISLIKED = 10


@dataclass(frozen=True)
class Window:
    """The days a report covers."""

    days: int
    first_day: date

    @classmethod
    def ending(cls, today: date, days: int) -> "Window":
        return cls(days, today - timedelta(days=days - 1))

    @property
    def since(self) -> int:
        """Midnight UTC of the first day, in Unix seconds."""
        return timegm(self.first_day.timetuple())


@dataclass(frozen=True)
class Phrasing:
    """One way a question was put (texts equal once normalised count as one), and how often."""

    text: str
    count: int


@dataclass(frozen=True)
class QuestionGroup:
    """Questions that ask the same thing; ``closest_id`` is the entry the engine most often
    guessed for them (``closest_title`` is None when it has left the knowledge)."""

    phrasings: tuple[Phrasing, ...]
    people: int
    reasons: dict[str, int]
    closest_id: str | None
    closest_title: str | None

    @property
    def size(self) -> int:
        return sum(phrasing.count for phrasing in self.phrasings)


@dataclass(frozen=True)
class Disliked:
    """An entry whose answers got 👎."""

    entry_id: str
    title: str | None
    helpful: int
    unhelpful: int

    @property
    def helpful_share(self) -> float:
        return self.helpful / (self.helpful + self.unhelpful)


@dataclass(frozen=True)
class Day:
    """The replies of one day, by kind, most frequent first."""

    day: str
    replies: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.replies.values())

    @property
    def fallback_rate(self) -> float | None:
        return _rate(self.replies.get(FALLBACK, 0), self.total)


@dataclass(frozen=True)
class Report:
    window: Window
    reasons: dict[str, int]
    groups: tuple[QuestionGroup, ...]
    helpful: int
    unhelpful: int
    disliked: tuple[Disliked, ...]
    days: tuple[Day, ...]

    @property
    def questions(self) -> int:
        return sum(self.reasons.values())

    @property
    def replies(self) -> int:
        return sum(day.total for day in self.days)

    @property
    def fallback_rate(self) -> float | None:
        return _rate(sum(day.replies.get(FALLBACK, 0) for day in self.days), self.replies)


def topic_words(knowledge: Knowledge) -> Callable[[str], str]:
    """What a question is about: its normalised words, stemmed, without the knowledge's
    stopwords, so that "can I use olive oil on my feet?" and "olive oils on feet" compare equal.
    """
    stopwords = {normalize(word) for word in knowledge.language.get("stopwords", [])}

    def words(text: str) -> str:
        return " ".join(stem(word) for word in normalize(text).split() if word not in stopwords)

    return words


def build_report(
    window: Window,
    questions: Sequence[Question],
    verdicts: Iterable[Verdict],
    replies: Iterable[tuple[str, str, int]],
    titles: Mapping[str, str],
    words: Callable[[str], str] = normalize,
) -> Report:
    """The report from the store's rows; ``verdicts`` come most 👎 first, ``titles`` name the
    entries of the knowledge, ``words`` reduce a question to what it is about."""
    verdicts = list(verdicts)
    groups = [
        _group([questions[i] for i in indices], titles)
        for indices in group_similar([words(question.text) for question in questions])
    ]
    disliked = [
        Disliked(v.entry_id, titles.get(v.entry_id), v.helpful, v.unhelpful)
        for v in verdicts
        if v.unhelpful
    ]
    by_day: dict[str, dict[str, int]] = {}
    for day, kind, count in replies:
        by_day.setdefault(day, {})[kind] = count
    return Report(
        window=window,
        reasons=_most_first(Counter(question.reason for question in questions)),
        groups=tuple(groups),
        helpful=sum(v.helpful for v in verdicts),
        unhelpful=sum(v.unhelpful for v in verdicts),
        disliked=tuple(disliked[:MOST_DISLIKED]),
        days=tuple(Day(day, _most_first(kinds)) for day, kinds in sorted(by_day.items())),
    )


def _group(questions: list[Question], titles: Mapping[str, str]) -> QuestionGroup:
    spellings: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for question in questions:
        text = " ".join(question.text.split())
        key = normalize(text)
        spellings.setdefault(key, text)
        counts[key] += 1
    guesses = Counter(q.best_guess for q in questions if q.best_guess is not None)
    closest = guesses.most_common(1)[0][0] if guesses else None
    return QuestionGroup(
        phrasings=tuple(Phrasing(spellings[key], count) for key, count in counts.most_common()),
        people=len({question.person for question in questions}),
        reasons=_most_first(Counter(question.reason for question in questions)),
        closest_id=closest,
        closest_title=None if closest is None else titles.get(closest),
    )


def _most_first(counts: Mapping[str, int]) -> dict[str, int]:
    """The counts, most frequent first (ties in alphabetical order)."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _rate(part: int, total: int) -> float | None:
    return part / total if total else None


def read_report(store: Store, knowledge: Knowledge, window: Window) -> Report:
    """The report of ``window`` from the store's review tables, titled from ``knowledge``."""
    return build_report(
        window,
        store.questions_since(window.since),
        store.verdicts_since(window.since),
        store.replies_per_day(window.first_day.isoformat()),
        {entry.id: entry.title for entry in knowledge.entries},
        topic_words(knowledge),
    )
