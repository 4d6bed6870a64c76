"""Train the answer classifier and write ``bot/engine/classifier.npz``.

Training data: every question, keyword and title of the knowledge (labelled with its entry), the
analyser's greeting, thanks and help phrases (small talk) and off-topic words (none), and the
labelled messages of ``eval/understanding/tune.yaml``. The test split is never read.

The abstain threshold is chosen on out-of-fold predictions of the tune split (each message scored
by a model that never saw it, through the same ``Reader`` and domain gate the bot uses): the
threshold with the best balanced accuracy (entries right, out-of-scope abstained, small talk).
Most abstaining is done by the "none" class itself; the threshold trims the least sure answers.

Run after changing the knowledge or the corpus: ``.venv/bin/python -m tools.train_classifier``.
Needs the dev extra (scikit-learn); the bot itself needs only numpy.
"""

import argparse
import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
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
from bot.engine.features import features
from bot.engine.knowledge import Knowledge
from bot.engine.language import Analyzer, analyzer_for
from bot.engine.reading import Reader
from bot.evaluation import Case, load_cases

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


@dataclass(frozen=True)
class Scored:
    case: Case
    label: str
    probability: float
    off_domain: bool

    def decision(self, threshold: float) -> str:
        if self.label == SOCIAL_CLASS:
            return SOCIAL_CLASS
        if self.off_domain or self.probability < threshold:
            return NONE_CLASS
        return self.label

    def right(self, threshold: float) -> bool:
        decided = self.decision(threshold)
        return decided in self.case.ids if self.case.ids else decided == case_label(self.case)


def out_of_fold(
    analyzer: Analyzer, base: list[Example], cases: Sequence[Case], regularisation: float
) -> list[Scored]:
    order = list(range(len(cases)))
    random.Random(SEED).shuffle(order)
    scored: list[Scored] = []
    for fold in range(FOLDS):
        held = set(order[fold::FOLDS])
        train = base + [
            Example(c.question, case_label(c)) for i, c in enumerate(cases) if i not in held
        ]
        weights = fit(analyzer, train, regularisation=regularisation)
        reader = Reader(analyzer, Classifier(weights))
        for i in sorted(held):
            reading = reader.read(cases[i].question)
            prediction = reading.prediction
            scored.append(
                Scored(cases[i], prediction.label, prediction.probability, reading.off_domain)
            )
    return scored


def answered_precision(scored: Iterable[Scored], threshold: float) -> tuple[float, float, float]:
    """Precision of answered entries, recall of entry cases, and abstention on out-of-scope."""
    items = list(scored)
    answered = [s for s in items if s.decision(threshold) not in {NONE_CLASS, SOCIAL_CLASS}]
    entry_cases = [s for s in items if s.case.ids]
    out_of_scope = [s for s in items if s.case.expect == "fallback"]
    precision = sum(s.right(threshold) for s in answered) / max(1, len(answered))
    recall = sum(s.right(threshold) for s in entry_cases) / max(1, len(entry_cases))
    abstained = sum(s.right(threshold) for s in out_of_scope) / max(1, len(out_of_scope))
    return precision, recall, abstained


def balanced_accuracy(scored: Sequence[Scored], threshold: float) -> float:
    """The mean of the rates of entries right, out-of-scope abstained and small talk right, so
    that neither answering nor abstaining wins by being the larger category."""
    groups = [
        [s for s in scored if s.case.ids],
        [s for s in scored if s.case.expect == "fallback"],
        [s for s in scored if s.case.is_small_talk],
    ]
    rates = [sum(s.right(threshold) for s in g) / len(g) for g in groups if g]
    return sum(rates) / len(rates)


def pick_threshold(scored: Sequence[Scored]) -> float:
    steps = [step / 100 for step in range(100)]
    return max(steps, key=lambda t: (balanced_accuracy(scored, t), t))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge", type=Path, default=DEFAULT_KNOWLEDGE_DIR)
    parser.add_argument("--no-save", action="store_true", help="only print the tune figures")
    parser.add_argument("--regularisation", type=float, default=REGULARISATION, help="C")
    args = parser.parse_args()
    knowledge = Knowledge.load(args.knowledge)
    analyzer = analyzer_for(knowledge)
    base = knowledge_examples(knowledge)
    cases = load_cases(TUNE_FILE)
    scored = out_of_fold(analyzer, base, cases, args.regularisation)
    for step in range(0, 10):
        threshold = step / 10
        precision, recall, abstained = answered_precision(scored, threshold)
        overall = sum(s.right(threshold) for s in scored) / len(scored)
        print(
            f"threshold {threshold:.1f}: answered precision {precision:.3f}, entries right "
            f"{recall:.3f}, out-of-scope abstained {abstained:.3f}, overall {overall:.3f}"
        )
    threshold = pick_threshold(scored)
    precision, recall, abstained = answered_precision(scored, threshold)
    print(
        f"chosen threshold {threshold:.2f}: answered precision {precision:.3f}, entries right "
        f"{recall:.3f}, out-of-scope abstained {abstained:.3f}"
    )
    if not args.no_save:
        examples = base + [Example(c.question, case_label(c)) for c in cases]
        fit(analyzer, examples, threshold, args.regularisation).save(MODEL_FILE)
        print(f"wrote {MODEL_FILE}")


if __name__ == "__main__":
    main()
