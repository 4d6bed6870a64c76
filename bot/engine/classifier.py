"""Linear classifiers over one set of message features (numpy only): which entry a message asks
for, "small talk" or "none of these"; and which red flag it describes, if any.

Why a trained model rather than more synonyms: word lists fit the questions they were written
for, and people phrase things nobody wrote down. A multinomial logistic regression over character
n-grams and canonical tokens (``features``) learns which of them point to which entry, and,
because it is trained with out-of-scope messages as a class of their own, how a message about
something else looks even when it shares a word with the domain ("roll sushi", "sort my
emails"). Its probability is calibrated well enough to abstain on: the threshold is picked on
the tune split by ``tools/train_classifier.py`` for a target precision, and stored beside the
weights.

The red-flag head is the second opinion of triage: the rules in ``triage.yaml`` know the
concepts a clinician named, the head learnt from the red-flag corpus how people put them in their
own words ("since the op", "no point going on"). It is trained with the look-alikes and every
ordinary question as "none", and its threshold is picked for few false alarms.

Scoring costs one sorted search of the message's features and one small matrix product per head,
whatever the size of the knowledge: the classes are the entries, not their questions.
"""

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.engine.compact import CompactIndex
from bot.engine.features import features

NONE_CLASS = "_none"
SOCIAL_CLASS = "_social"
# The token block weighs a little more than the character block: a synonym the analyser knows
# is surer evidence than a shared spelling.
TOKEN_BLOCK_WEIGHT = 1.2
MODEL_FILE = Path(__file__).with_name("classifier.npz")

FloatArray = npt.NDArray[np.floating[Any]]
IntArray = npt.NDArray[np.int32]


@dataclass(frozen=True)
class Prediction:
    """The most likely class of a message and its probability."""

    label: str
    probability: float

    @property
    def is_entry(self) -> bool:
        return self.label not in {NONE_CLASS, SOCIAL_CLASS}


@dataclass(frozen=True)
class Head:
    """One classification over the shared features: classes, weights and abstain threshold."""

    classes: tuple[str, ...]
    coefficients: npt.NDArray[Any]  # features x classes, int8 once saved
    intercepts: FloatArray
    threshold: float
    # One scale per feature: a weight is its coefficient times its feature's scale.
    scales: FloatArray

    def predict(self, rows: IntArray, values: FloatArray) -> Prediction:
        logits = self.intercepts.copy()
        if len(rows):
            logits += (values * self.scales[rows]) @ self.coefficients[rows]
        logits -= logits.max()
        exp = np.exp(logits)
        best = int(exp.argmax())
        return Prediction(self.classes[best], float(exp[best] / exp.sum()))

    def arrays(self, name: str) -> dict[str, Any]:
        """The head as arrays to save, its weights as int8 with one scale per feature: a quarter
        of the memory of float32 (see the memory budget in the README), for rounding errors
        below 0.4% of each feature's largest weight."""
        largest = np.abs(self.coefficients * self.scales[:, None]).max(axis=1)
        scales = np.where(largest > 0, largest / 127, 1.0).astype(np.float32)
        weights = self.coefficients * (self.scales / scales)[:, None]
        return {
            f"{name}_classes": np.array(self.classes),
            f"{name}_coefficients": np.round(weights).astype(np.int8),
            f"{name}_scales": scales,
            f"{name}_intercepts": self.intercepts.astype(np.float32),
            f"{name}_threshold": np.array([self.threshold], dtype=np.float32),
        }

    @classmethod
    def from_arrays(cls, data: Any, name: str) -> "Head":
        return cls(
            classes=tuple(str(c) for c in data[f"{name}_classes"]),
            coefficients=data[f"{name}_coefficients"],
            intercepts=data[f"{name}_intercepts"].astype(np.float32),
            threshold=float(data[f"{name}_threshold"][0]),
            scales=data[f"{name}_scales"],
        )


@dataclass(frozen=True)
class Weights:
    """Everything the classifiers learnt: the features' names and IDF, and the two heads."""

    # The features' names, one per line: one string, not tens of thousands, for the same reason
    # as int8 weights (``CompactIndex`` hashes them one at a time).
    vocabulary: str
    idf: FloatArray
    answers: Head
    red_flags: Head

    def names(self) -> Iterator[str]:
        return (line.group() for line in re.finditer(r"[^\n]+", self.vocabulary))

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            vocabulary=np.frombuffer(self.vocabulary.encode(), dtype=np.uint8),
            idf=self.idf.astype(np.float32),
            **self.answers.arrays("answers"),
            **self.red_flags.arrays("red_flags"),
        )

    @classmethod
    def load(cls, path: Path) -> "Weights":
        with np.load(path) as data:
            return cls(
                vocabulary=data["vocabulary"].tobytes().decode(),
                idf=data["idf"].astype(np.float32),
                answers=Head.from_arrays(data, "answers"),
                red_flags=Head.from_arrays(data, "red_flags"),
            )


def weighted_block(
    names: Sequence[str], index: CompactIndex, idf: FloatArray
) -> tuple[IntArray, FloatArray]:
    """Sublinear term frequency times IDF, normalised to unit length; unknown features drop.

    Counted by hand rather than by ``np.unique``: its quicksort costs a megabyte of resident
    memory the first time it runs (see the memory budget in the README), a stable sort nothing.
    """
    positions = np.sort(index.positions(names), kind="stable")
    starts = np.flatnonzero(np.diff(positions, prepend=-1))
    counts = np.diff(starts, append=len(positions))
    rows = positions[starts]
    values = (1.0 + np.log(counts)) * idf[rows]
    norm = float(np.sqrt(values @ values)) or 1.0
    return rows.astype(np.int32), (values / norm).astype(np.float32)


def vectorize(
    normalized: str, tokens: Sequence[str], index: CompactIndex, idf: FloatArray
) -> tuple[IntArray, FloatArray]:
    """The message as a sparse vector (feature rows and their values), as trained and as scored.

    The two blocks never share a feature (their names have different prefixes)."""
    characters, words = features(normalized, tokens)
    character_rows, character_values = weighted_block(characters, index, idf)
    word_rows, word_values = weighted_block(words, index, idf)
    return (
        np.concatenate([character_rows, word_rows]),
        np.concatenate([character_values, TOKEN_BLOCK_WEIGHT * word_values]),
    )


class Classifier:
    """Scores messages against the classes the weights were trained on."""

    def __init__(self, weights: Weights) -> None:
        self.answers = weights.answers
        self.red_flags = weights.red_flags
        self.threshold = weights.answers.threshold
        self.red_flag_threshold = weights.red_flags.threshold
        self._idf = weights.idf
        self._index = CompactIndex(weights.names())

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "Classifier":
        return cls(Weights.load(path))

    @property
    def classes(self) -> tuple[str, ...]:
        return self.answers.classes

    def predict(self, normalized: str, tokens: Sequence[str]) -> tuple[Prediction, Prediction]:
        """The most likely answer class, and the most likely red flag (or "none")."""
        rows, values = vectorize(normalized, tokens, self._index, self._idf)
        return self.answers.predict(rows, values), self.red_flags.predict(rows, values)
