"""Train the answer classifier and write ``bot/engine/classifier.npz``.

Training data: every question, keyword and title of the knowledge (labelled with its entry), the
analyser's greeting, thanks and help phrases (small talk) and off-topic words (none), and the
labelled messages of ``eval/understanding/tune.yaml``. The test split is never read.

The abstain threshold is chosen on out-of-fold answers to the tune split (each message answered
by the whole engine, gate and matcher included, with a classifier that never saw it): the
threshold with the best balanced accuracy (entries right, out-of-scope abstained, small talk).
Most abstaining is done by the "none" class itself; the threshold trims the least sure answers.

Run after changing the knowledge or the corpus: ``.venv/bin/python -m tools.train_classifier``.
Needs the dev extra (scikit-learn); the bot itself needs only numpy.
"""

import argparse
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.engine.classifier import (
    MODEL_FILE,
    NONE_CLASS,
    SOCIAL_CLASS,
    Classifier,
    Weights,
    vectorize,
)
from bot.engine.engine import Engine
from bot.engine.features import features
from bot.engine.knowledge import Knowledge
from bot.engine.language import Analyzer, analyzer_for
from bot.evaluation import Case, Report, evaluate, load_cases

TUNE_FILE = Path(__file__).resolve().parents[1] / "eval" / "understanding" / "tune.yaml"
REGULARISATION = 60.0
# A feature seen in fewer training texts than this is noise (a one-off typo), not evidence.
MIN_DOCUMENT_FREQUENCY = 2
FOLDS = 5
SEED = 7


@dataclass(frozen=True)
class Example:
    text: str
    label: str


def case_label(case: Case) -> str:
    if case.expect == "fallback":
        return NONE_CLASS
    if case.is_small_talk:
        return SOCIAL_CLASS
    return case.ids[0]


def knowledge_examples(knowledge: Knowledge) -> list[Example]:
    examples = [
        Example(text, entry.id)
        for entry in knowledge.entries
        for text in (*entry.questions, *entry.keywords, entry.title)
    ]
    language = knowledge.language
    for key in ("greetings", "thanks", "goodbyes", "help"):
        examples += [Example(phrase, SOCIAL_CLASS) for phrase in language.get(key, [])]
    examples += [Example(phrase, NONE_CLASS) for phrase in language.get("off_topic", [])]
    return examples


def _analysed(analyzer: Analyzer, text: str) -> tuple[list[str], list[str]]:
    analysis = analyzer.analyse(text)
    return features(analysis.normalized, (*analysis.tokens, *analysis.unknown))


def fit(
    analyzer: Analyzer,
    examples: Sequence[Example],
    threshold: float = 0.0,
    regularisation: float = REGULARISATION,
) -> Weights:
    analysed = [_analysed(analyzer, e.text) for e in examples]
    document_frequency: Counter[str] = Counter()
    for characters, words in analysed:
        document_frequency.update(set(characters) | set(words))
    vocabulary = tuple(
        sorted(n for n, df in document_frequency.items() if df >= MIN_DOCUMENT_FREQUENCY)
    )
    index = {name: i for i, name in enumerate(vocabulary)}
    total = len(examples)
    idf = np.array(
        [math.log((1 + total) / (1 + document_frequency[n])) + 1 for n in vocabulary],
        dtype=np.float32,
    )
    rows, columns, values = [], [], []
    for row, example in enumerate(examples):
        analysis = analyzer.analyse(example.text)
        vector = vectorize(analysis.normalized, (*analysis.tokens, *analysis.unknown), index, idf)
        rows += [row] * len(vector)
        columns += list(vector)
        values += list(vector.values())
    matrix = csr_matrix((values, (rows, columns)), shape=(total, len(vocabulary)))
    model = LogisticRegression(C=regularisation, max_iter=5000)
    model.fit(matrix, [e.label for e in examples])
    return Weights(
        vocabulary=vocabulary,
        idf=idf,
        coefficients=model.coef_.T.astype(np.float32),
        intercepts=model.intercept_.astype(np.float32),
        classes=tuple(str(c) for c in model.classes_),
        threshold=threshold,
    )


THRESHOLDS = tuple(step / 20 for step in range(20))
TOLERANCE = 0.005


def out_of_fold(
    knowledge: Knowledge, base: list[Example], cases: Sequence[Case], regularisation: float
) -> dict[float, Report]:
    """For each candidate threshold, the engine's report on the tune split, every message
    answered by an engine whose classifier never saw it."""
    analyzer = analyzer_for(knowledge)
    order = list(range(len(cases)))
    random.Random(SEED).shuffle(order)
    reports = {threshold: Report() for threshold in THRESHOLDS}
    for fold in range(FOLDS):
        held = set(order[fold::FOLDS])
        train = base + [
            Example(c.question, case_label(c)) for i, c in enumerate(cases) if i not in held
        ]
        classifier = Classifier(fit(analyzer, train, regularisation=regularisation))
        engine = Engine(knowledge, classifier)
        for threshold, report in reports.items():
            classifier.threshold = threshold
            report.outcomes += evaluate(engine, [cases[i] for i in sorted(held)]).outcomes
    return reports


def rates(report: Report) -> dict[str, float]:
    return {
        label: right / total
        for label, (right, total) in report.categories()
        if label.strip() in {"entries", "small talk", "fallback", "overall"} and total
    }


def balanced_accuracy(report: Report) -> float:
    """The mean of the rates of entries right, out-of-scope abstained and small talk right, so
    that neither answering nor abstaining wins by being the larger category."""
    chosen = [rate for label, rate in rates(report).items() if label != "overall"]
    return sum(chosen) / len(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge", type=Path, default=DEFAULT_KNOWLEDGE_DIR)
    parser.add_argument("--no-save", action="store_true", help="only print the tune figures")
    parser.add_argument("--regularisation", type=float, default=REGULARISATION, help="C")
    args = parser.parse_args()
    knowledge = Knowledge.load(args.knowledge)
    base = knowledge_examples(knowledge)
    cases = load_cases(TUNE_FILE)
    reports = out_of_fold(knowledge, base, cases, args.regularisation)
    for threshold, report in reports.items():
        figures = ", ".join(f"{label.strip()} {rate:.3f}" for label, rate in rates(report).items())
        print(f"threshold {threshold:.2f}: {figures}")
    best = max(balanced_accuracy(report) for report in reports.values())
    # When answering and abstaining score about the same, abstain: a wrong answer about health
    # costs more than a "could you rephrase?".
    threshold = max(t for t, r in reports.items() if balanced_accuracy(r) >= best - TOLERANCE)
    print(f"chosen threshold {threshold:.2f} (balanced accuracy within {TOLERANCE} of the best)")
    if not args.no_save:
        examples = base + [Example(c.question, case_label(c)) for c in cases]
        weights = fit(analyzer_for(knowledge), examples, threshold, args.regularisation)
        weights.save(MODEL_FILE)
        print(f"wrote {MODEL_FILE}")


if __name__ == "__main__":
    main()
