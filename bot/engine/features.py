"""What the answer classifier sees of a message, the same at training and at run time.

Two kinds of feature, because each covers the other's blind spot:
- character n-grams of the folded words (with word boundaries), which survive typos, missing
  spaces, plurals and French endings without any list of variants;
- the analyser's canonical tokens and pairs of neighbouring tokens, which carry synonyms across
  languages ("talon" is "heel") and let an intent combine with a topic ("often" + "stress").
The training script (``tools/train_classifier.py``) and ``Classifier`` both call ``features``,
so the two cannot drift apart.
"""

from collections.abc import Sequence
from itertools import pairwise

CHAR_NGRAM_SIZES = (3, 4, 5)
CHAR_PREFIX = "c:"
TOKEN_PREFIX = "w:"
PAIR_PREFIX = "p:"


def char_ngrams(normalized: str) -> list[str]:
    grams = []
    for word in normalized.split():
        padded = f" {word} "
        for size in CHAR_NGRAM_SIZES:
            if len(padded) <= size:
                grams.append(CHAR_PREFIX + padded)
                break
            grams.extend(
                CHAR_PREFIX + padded[start : start + size]
                for start in range(len(padded) - size + 1)
            )
    return grams


def token_features(tokens: Sequence[str]) -> list[str]:
    pairs = [f"{PAIR_PREFIX}{a}+{b}" for a, b in pairwise(tokens)]
    return [*(TOKEN_PREFIX + t for t in tokens), *pairs]


def features(normalized: str, tokens: Sequence[str]) -> tuple[list[str], list[str]]:
    """The message's character block and token block, each weighted and normalised apart."""
    return char_ngrams(normalized), token_features(tokens)
