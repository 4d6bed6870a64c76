"""The compact string set answers like the set of strings it replaces."""

from bot.engine.compact import CompactSet

WORDS = ("sole", "heel", "arch", "toe", "ankle", "heel")


def test_every_word_is_in_and_nothing_else_is() -> None:
    words = CompactSet(WORDS)
    assert all(word in words for word in WORDS)
    assert "knee" not in words
    assert 42 not in words
    assert len(words) == len(set(WORDS))


def test_an_empty_set_holds_nothing() -> None:
    assert "sole" not in CompactSet()
