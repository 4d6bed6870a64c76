"""Group questions that ask the same thing, so the operator reads topics rather than a log.

Two texts are similar when rapidfuzz's ``token_set_ratio`` of their topic words reaches
``SIMILARITY``. That score is 100 whenever one text's words are a subset of the other's, so a
one-word message ("oil") is similar to everything that contains its word; a group therefore
only admits a text similar to every member already in it (complete linkage), never one that is
merely similar to a neighbour. Centres are taken greedily, the text with the most similar
questions first, so the largest topics form first and the same log always gives the same groups.
"""

from collections.abc import Sequence

from rapidfuzz import fuzz, process

# token_set_ratio, 0-100, over topic words.
SIMILARITY = 80.0


def group_similar(keys: Sequence[str], similarity: float = SIMILARITY) -> list[list[int]]:
    """Indices of ``keys`` (one per question: its topic words) grouped by similarity; largest
    groups first, each in input order. Identical keys, empty ones included, always group."""
    distinct: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        distinct.setdefault(key, []).append(index)
    texts = list(distinct)
    weights = [len(distinct[text]) for text in texts]
    neighbours = [_similar(i, texts, similarity) for i in range(len(texts))]
    centres = sorted(range(len(texts)), key=lambda i: -sum(weights[j] for j in neighbours[i]))
    assigned: set[int] = set()
    groups: list[list[int]] = []
    for centre in centres:
        if centre in assigned:
            continue
        assigned.add(centre)
        members = [centre]
        closest_first = sorted((-score, j) for j, score in neighbours[centre].items())
        for _, candidate in closest_first:
            if candidate not in assigned and all(candidate in neighbours[m] for m in members):
                members.append(candidate)
                assigned.add(candidate)
        groups.append(sorted(index for member in members for index in distinct[texts[member]]))
    return sorted(groups, key=lambda group: (-len(group), group[0]))


def _similar(index: int, texts: list[str], similarity: float) -> dict[int, float]:
    """The texts similar to ``texts[index]`` with their scores, itself included."""
    found = process.extract(
        texts[index],
        texts,
        scorer=fuzz.token_set_ratio,
        score_cutoff=similarity,
        limit=None,
    )
    return {position: score for _, score, position in found} | {index: 100.0}
