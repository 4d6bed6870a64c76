"""A linear classifier from a message to an entry, "small talk" or "none of these" (numpy only).

Why a trained model rather than more synonyms: word lists fit the questions they were written
for, and people phrase things nobody wrote down. A multinomial logistic regression over character
n-grams and canonical tokens (``features``) learns which of them point to which entry, and,
because it is trained with out-of-scope messages as a class of their own, how a message about
something else looks even when it shares a word with the domain ("roll sushi", "sort my
emails"). Its probability is calibrated well enough to abstain on: the threshold is picked on
the tune split by ``tools/train_classifier.py`` for a target precision, and stored beside the
weights.

Scoring costs one dictionary look-up per feature and one small matrix product, whatever the size
of the knowledge: the classes are the entries, not their questions.
"""

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.engine.features import features

NONE_CLASS = "_none"
SOCIAL_CLASS = "_social"
# The token block weighs a little more than the character block: a synonym the analyser knows
# is surer evidence than a shared spelling.
TOKEN_BLOCK_WEIGHT = 1.2
MODEL_FILE = Path(__file__).with_name("classifier.npz")

FloatArray = npt.NDArray[np.floating[Any]]


@dataclass(frozen=True)
class Prediction:
    """The most likely class of a message and its probability."""

    label: str
    probability: float

    @property
    def is_entry(self) -> bool:
        return self.label not in {NONE_CLASS, SOCIAL_CLASS}


@dataclass(frozen=True)
class Weights:
    """Everything the classifier learnt: vocabulary, IDF, coefficients and its threshold."""

    vocabulary: tuple[str, ...]
    idf: FloatArray
    coefficients: FloatArray  # features x classes (float16 once saved)
    intercepts: FloatArray
    classes: tuple[str, ...]
    threshold: float

    def save(self, path: Path) -> None:
        # Names as one UTF-8 text and weights as float16 keep the file and, above all, the
        # memory of loading it small (see the memory budget in the README).
        np.savez_compressed(
            path,
            vocabulary=np.frombuffer("\n".join(self.vocabulary).encode(), dtype=np.uint8),
            idf=self.idf,
            coefficients=self.coefficients.astype(np.float16),
            intercepts=self.intercepts,
            classes=np.array(self.classes),
            threshold=np.array([self.threshold], dtype=np.float32),
        )

    @classmethod
    def load(cls, path: Path) -> "Weights":
        with np.load(path) as data:
            return cls(
                vocabulary=tuple(data["vocabulary"].tobytes().decode().split("\n")),
                idf=data["idf"].astype(np.float32),
                coefficients=data["coefficients"],
                intercepts=data["intercepts"].astype(np.float32),
                classes=tuple(str(c) for c in data["classes"]),
                threshold=float(data["threshold"][0]),
            )


def weighted_block(
    names: Sequence[str], index: dict[str, int], idf: FloatArray
) -> dict[int, float]:
    """Sublinear term frequency times IDF, normalised to unit length; unknown features drop."""
    counts = Counter(index[n] for n in names if n in index)
    values = {i: (1.0 + math.log(c)) * float(idf[i]) for i, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
    return {i: v / norm for i, v in values.items()}


def vectorize(
    normalized: str, tokens: Sequence[str], index: dict[str, int], idf: FloatArray
) -> dict[int, float]:
    """The message as a sparse vector (feature index -> value), as trained and as scored."""
    characters, words = features(normalized, tokens)
    vector = weighted_block(characters, index, idf)
    for i, value in weighted_block(words, index, idf).items():
        vector[i] = vector.get(i, 0.0) + TOKEN_BLOCK_WEIGHT * value
    return vector


class Classifier:
    """Scores messages against the classes the weights were trained on."""

    def __init__(self, weights: Weights) -> None:
        self.weights = weights
        self.threshold = weights.threshold
        self._index = {name: i for i, name in enumerate(weights.vocabulary)}

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "Classifier":
        return cls(Weights.load(path))

    @property
    def classes(self) -> tuple[str, ...]:
        return self.weights.classes

    def probabilities(self, normalized: str, tokens: Sequence[str]) -> FloatArray:
        vector = vectorize(normalized, tokens, self._index, self.weights.idf)
        logits = self.weights.intercepts.copy()
        if vector:
            rows = np.fromiter(vector.keys(), dtype=np.intp, count=len(vector))
            values = np.fromiter(vector.values(), dtype=np.float32, count=len(vector))
            logits += values @ self.weights.coefficients[rows]
        logits -= logits.max()
        exp = np.exp(logits)
        result: FloatArray = exp / exp.sum()
        return result

    def predict(self, normalized: str, tokens: Sequence[str]) -> Prediction:
        probabilities = self.probabilities(normalized, tokens)
        best = int(probabilities.argmax())
        return Prediction(self.weights.classes[best], float(probabilities[best]))
