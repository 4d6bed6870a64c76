"""A plain BM25 over the same knowledge, to show what the engine adds (``eval --baseline``).

One BM25 document per entry (its questions, keywords and title), words as ``normalize`` leaves
them: no synonyms, no typo correction, no small talk, no triage. Its abstain threshold is the one
that scores best on the very file being evaluated, so the baseline is shown at its best and the
engine's lead over it is a lower bound. rank-bm25 is a development dependency only.
"""

from collections.abc import Sequence

from bot.engine import Engine, Kind, Reply
from bot.engine.languages import Language
from bot.engine.text import normalize
from bot.evaluation import Case, Report, judge, percent


def _abstain(score: float, language: Language) -> Reply:
    return Reply(
        kind=Kind.FALLBACK,
        entry_id=None,
        confidence=score,
        text="",
        disclaimer=False,
        language=language,
    )


def bm25_report(engine: Engine, cases: Sequence[Case]) -> tuple[Report, float]:
    """The baseline's report on the cases, and the abstain threshold it was given."""
    from rank_bm25 import BM25Okapi

    entries = engine.knowledge.entries
    corpus = [
        normalize(" ".join((*e.questions, *e.keywords, e.title)), 100_000).split() for e in entries
    ]
    bm25 = BM25Okapi(corpus)
    best: list[tuple[float, Reply]] = []
    for case in cases:
        scores = bm25.get_scores(normalize(case.question).split())
        index = max(range(len(entries)), key=lambda i: scores[i])
        language = engine.language_of(case.question)
        best.append((float(scores[index]), engine.reply_for(entries[index].id, language)))

    pairs = list(zip(cases, best, strict=True))
    answered = [judge(case, reply).right for case, (_, reply) in pairs]
    abstained = [
        judge(case, _abstain(score, reply.language)).right for case, (score, reply) in pairs
    ]

    def right_at(threshold: float) -> int:
        return sum(
            answer if score >= threshold else abstain
            for (score, _), answer, abstain in zip(best, answered, abstained, strict=True)
        )

    threshold = max(sorted({score for score, _ in best} | {float("inf")}), key=right_at)
    report = Report(
        [
            judge(case, reply if score >= threshold else _abstain(score, reply.language))
            for case, (score, reply) in pairs
        ]
    )
    return report, threshold


def side_by_side(engine: Engine, cases: Sequence[Case], report: Report) -> list[str]:
    """The engine's rates beside the baseline's, per category."""
    baseline, threshold = bm25_report(engine, cases)
    lines = [f"{'':<13} {'engine':>17}   {'bm25 (threshold ' + f'{threshold:.2f})':>22}"]
    for (label, (right, total)), (_, (b_right, _)) in zip(
        report.categories(), baseline.categories(), strict=True
    ):
        lines.append(
            f"{label:<13} {right:>4}/{total:<4} {percent(right, total)}   "
            f"{b_right:>4}/{total:<4} {percent(b_right, total)}"
        )
    return lines
