"""Many strings, held in little memory: a sorted array of their hashes.

The engine checks words against a list of some 40,000 real English and French words; as a set
of strings that list costs about 4 MB of the bot's 80 MB budget, as an array of 64-bit hashes
a tenth of that. A lookup hashes the string and bisects. Two different strings of the same
process sharing a 64-bit hash is too unlikely to matter.
"""

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt


class CompactSet:
    """Membership of strings, without keeping the strings."""

    def __init__(self, strings: Iterable[str] = ()) -> None:
        self._hashes = array("q", sorted({hash(text) for text in strings}))

    @classmethod
    def of_hashes(cls, hashes: "array[int]") -> "CompactSet":
        """From the strings' hashes, without holding the strings or their sorted copies."""
        made = cls()
        made._hashes = array("q", sorted(set(hashes)))
        return made

    def __contains__(self, text: object) -> bool:
        key = hash(text)
        found = bisect_left(self._hashes, key)
        return found < len(self._hashes) and self._hashes[found] == key

    def __len__(self) -> int:
        return len(self._hashes)


class CompactIndex:
    """Positions of strings in a list (a feature's row in a weight matrix), without the strings.

    The same hashing as ``CompactSet``, with each hash's position kept beside it; a whole
    message's features are looked up at once, in one sorted search.
    """

    def __init__(self, strings: Iterable[str]) -> None:
        hashes = np.fromiter(map(hash, strings), dtype=np.int64)
        order = np.argsort(hashes, kind="stable")
        self._hashes = hashes[order]
        self._positions = order.astype(np.int32)

    def positions(self, texts: Sequence[str]) -> npt.NDArray[np.int32]:
        """The position of each text that is in the list, in order; the others are left out."""
        if not texts or not len(self._hashes):
            return np.empty(0, dtype=np.int32)
        keys = np.fromiter(map(hash, texts), dtype=np.int64, count=len(texts))
        found = np.minimum(np.searchsorted(self._hashes, keys), len(self._hashes) - 1)
        known = self._hashes[found] == keys
        return self._positions[found[known]]

    def __len__(self) -> int:
        return len(self._hashes)
