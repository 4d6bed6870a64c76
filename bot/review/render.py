"""The review report as text for a terminal, JSON for scripts, and YAML entry skeletons to paste
into ``knowledge/faq/``. None of them names a person: groups only count them."""

from collections.abc import Collection

import yaml

from bot.engine.text import normalize
from bot.review.report import QuestionGroup, Report

# The text report shows this many phrasings per group, each cut to this many characters.
SHOWN_PHRASINGS = 5
SHOWN_CHARS = 120
MAX_ID_CHARS = 40

YAML_HEADER = """\
# Entry skeletons from `footbot review`, one per group of unanswered questions ({days}).
# Edit before pasting into knowledge/faq/: keep the phrasings that belong together, choose the
# id, write the title (at most 40 characters) and the answer in your own words, set
# `health: true` and add `checked_against` for anything that gives health advice, then run
# `footbot check`.
"""


def as_text(report: Report) -> str:
    since = report.window.first_day.isoformat()
    title = f"Review of the last {_plural(report.window.days, 'day')} (since {since}, UTC)"
    sections = (_questions(report), _feedback(report), _replies(report))
    return "\n\n".join(["\n".join(lines) for lines in ([title], *sections)])


def _questions(report: Report) -> list[str]:
    if not report.groups:
        return [f"No unanswered questions {_period(report)}."]
    reasons = ", ".join(f"{count} {reason}" for reason, count in report.reasons.items())
    lines = [
        f"Unanswered questions: {report.questions} ({reasons}), "
        f"in {_plural(len(report.groups), 'group')}, largest first"
    ]
    for number, group in enumerate(report.groups, start=1):
        lines.append(f"{number:>3}. {_about(group)}")
        lines += [
            f"       {p.count}x {_shorten(p.text)}" for p in group.phrasings[:SHOWN_PHRASINGS]
        ]
        hidden = len(group.phrasings) - SHOWN_PHRASINGS
        if hidden > 0:
            lines.append(f"       … and {_plural(hidden, 'more phrasing')}")
    return lines


def _feedback(report: Report) -> list[str]:
    if not report.disliked:
        return [f"No 👎 {_period(report)} ({report.helpful} 👍)."]
    return [
        f"Answers with the most 👎 ({report.helpful} 👍 and {report.unhelpful} 👎 in all)",
        *(
            f"  {_entry(d.entry_id, d.title)}: {d.helpful} 👍 / {d.unhelpful} 👎, "
            f"{d.helpful_share:.0%} helpful"
            for d in report.disliked
        ),
    ]


def _replies(report: Report) -> list[str]:
    if not report.days:
        return [f"No replies counted {_period(report)}."]
    lines = [f"Replies: {report.replies}, fallback rate {_percent(report.fallback_rate)}"]
    for day in report.days:
        kinds = ", ".join(f"{kind} {count}" for kind, count in day.replies.items())
        lines.append(
            f"  {day.day}  {day.total:>6} replies, fallback {_percent(day.fallback_rate)}: {kinds}"
        )
    return lines


def as_json(report: Report) -> dict[str, object]:
    """The same data as ``as_text``, complete (every phrasing, untruncated)."""
    return {
        "days": report.window.days,
        "since": report.window.first_day.isoformat(),
        "questions": {"total": report.questions, "by_reason": report.reasons},
        "groups": [
            {
                "size": group.size,
                "people": group.people,
                "by_reason": group.reasons,
                "closest_entry": None
                if group.closest_id is None
                else {"id": group.closest_id, "title": group.closest_title},
                "phrasings": [{"text": p.text, "count": p.count} for p in group.phrasings],
            }
            for group in report.groups
        ],
        "feedback": {
            "helpful": report.helpful,
            "unhelpful": report.unhelpful,
            "most_unhelpful": [
                {
                    "id": d.entry_id,
                    "title": d.title,
                    "helpful": d.helpful,
                    "unhelpful": d.unhelpful,
                    "helpful_share": round(d.helpful_share, 3),
                }
                for d in report.disliked
            ],
        },
        "replies": {
            "total": report.replies,
            "fallback_rate": _rounded(report.fallback_rate),
            "per_day": [
                {
                    "day": day.day,
                    "total": day.total,
                    "fallback_rate": _rounded(day.fallback_rate),
                    "by_kind": day.replies,
                }
                for day in report.days
            ],
        },
    }


def as_yaml(report: Report, taken_ids: Collection[str]) -> str:
    """One entry skeleton per group, as a YAML list; ids avoid ``taken_ids``."""
    parts = [YAML_HEADER.format(days=_period(report))]
    used = set(taken_ids)
    for group in report.groups:
        questions = [phrasing.text for phrasing in group.phrasings]
        entry_id = _unique(_slug(questions[0]), used)
        used.add(entry_id)
        skeleton = {
            "id": entry_id,
            "title": "TODO",
            "questions": questions,
            "answer": "TODO",
            "health": False,
            "source": "authored",
        }
        dumped = yaml.safe_dump([skeleton], sort_keys=False, allow_unicode=True, width=99)
        parts.append(f"\n# {_about(group)}\n{dumped}")
    if not report.groups:
        parts.append(f"# No unanswered questions {_period(report)}.\n")
    return "".join(parts)


def _period(report: Report) -> str:
    return f"in the last {_plural(report.window.days, 'day')}"


def _about(group: QuestionGroup) -> str:
    closest = "none" if group.closest_id is None else _entry(group.closest_id, group.closest_title)
    asked = f"{_plural(group.size, 'question')} from {_plural(group.people, 'person', 'people')}"
    return f"{asked} · closest entry: {closest}"


def _entry(entry_id: str, title: str | None) -> str:
    return f"{entry_id} ({title or 'no longer in the knowledge'})"


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def _shorten(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.1%}"


def _rounded(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 4)


def _slug(text: str) -> str:
    """An id from the words of the most frequent phrasing, cut at a word under the limit."""
    slug = ""
    for word in normalize(text).split():
        if len(slug) + len(word) + 1 > MAX_ID_CHARS:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug or "new-question"


def _unique(slug: str, used: set[str]) -> str:
    candidate, number = slug, 2
    while candidate in used:
        candidate, number = f"{slug}-{number}", number + 1
    return candidate
