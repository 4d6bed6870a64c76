"""Answer quality on evaluation sets, held to the thresholds the bot promises."""

import os
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.evaluation import Report, evaluate, evaluate_in_processes, load_cases

DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.yaml"
OWN_SET = Path(__file__).resolve().parent / "data" / "questions.yaml"


def _rate(report: Report, expect: str) -> float:
    right, total = report.rate(expect)
    return right / total if total else 1.0


def _assert_thresholds(report: Report) -> None:
    assert _rate(report, "answer") >= 0.95, report.misses()
    assert _rate(report, "fallback") >= 0.90, report.misses()
    assert _rate(report, "urgent") == 1.0, report.misses()
    compliant, total = report.disclaimer_compliance()
    assert compliant == total, report.misses()


def test_own_regression_questions_meet_the_thresholds(engine: Engine) -> None:
    _assert_thresholds(evaluate(engine, load_cases(OWN_SET)))


def test_shared_dev_set_meets_the_thresholds(engine: Engine) -> None:
    """Skipped on a checkout without the shared folder beside it, but never in CI, where a
    missing dev set would otherwise turn this check green by silence."""
    if not DEV_SET.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"the shared dev set is missing: {DEV_SET}")
        pytest.skip("the shared dev set is not beside this checkout")
    _assert_thresholds(evaluate(engine, load_cases(DEV_SET)))


def test_scoring_in_several_processes_gives_the_report_of_one(
    engine: Engine, knowledge_dir: Path
) -> None:
    cases = load_cases(OWN_SET)
    alone, shared = evaluate(engine, cases), evaluate_in_processes(knowledge_dir, cases, 3)
    assert [(o.case, o.reply.entry_id, o.failures) for o in shared.outcomes] == [
        (o.case, o.reply.entry_id, o.failures) for o in alone.outcomes
    ]
