"""The compact string set and index answer like the set and dict of strings they replace."""

from bot.engine.compact import CompactIndex, CompactSet

WORDS = ("sole", "heel", "arch", "toe", "ankle", "heel")


def test_every_word_is_in_and_nothing_else_is() -> None:
    words = CompactSet(WORDS)
    assert all(word in words for word in WORDS)
    assert "knee" not in words
    assert 42 not in words
    assert len(words) == len(set(WORDS))


def test_an_empty_set_holds_nothing() -> None:
    assert "sole" not in CompactSet()


def test_an_index_gives_each_known_string_its_position_and_drops_the_others() -> None:
    index = CompactIndex(["c: he", "w:heel", "p:heel+pain"])
    assert index.positions(["w:heel", "w:knee", "c: he", "w:heel"]).tolist() == [1, 0, 1]
    assert len(index) == 3


def test_an_empty_index_or_message_finds_nothing() -> None:
    assert CompactIndex([]).positions(["w:heel"]).tolist() == []
    assert CompactIndex(["w:heel"]).positions([]).tolist() == []
