"""The corpus splits (eval/) scored on every core: they are most of the suite's time."""

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from bot.evaluation import Case, Report, evaluate_in_processes

EvaluateCorpus = Callable[[Sequence[Case]], Report]


def corpus_evaluator(knowledge_dir: Path) -> EvaluateCorpus:
    return partial(evaluate_in_processes, knowledge_dir)
