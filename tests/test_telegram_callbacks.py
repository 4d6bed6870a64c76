"""Buttons: what a button means survives a restart, and only what it names can go stale."""

import pytest

from bot.engine import Engine
from bot.telegram.actions import (
    ACTIONS,
    Answer,
    Menu,
    PickTime,
    PickZone,
    Snooze,
    Step,
    TurnOff,
    Walk,
)
from bot.telegram.callbacks import MAX_BYTES, CallbackCodec, prefix_of

TODAY = CallbackCodec("v1")
AFTER_AN_EDIT = CallbackCodec("v2")


@pytest.mark.parametrize(
    "payload",
    [
        Answer("how-often-wellness"),
        Walk("thumb-walking"),
        Step("toe-pulls-and-circles", 3),
        Menu("reminder"),
        PickTime("2130"),
        PickZone("Europe/Paris"),
        Snooze(),
        TurnOff(),
    ],
)
def test_a_button_decodes_to_the_payload_it_was_made_from(payload: object) -> None:
    assert isinstance(payload, ACTIONS)
    assert TODAY.decode(TODAY.encode(payload)) == payload


@pytest.mark.parametrize("payload", [Answer("how-often-wellness"), Step("heel-squeeze", 1)])
def test_a_button_that_names_knowledge_is_stale_after_a_knowledge_edit(payload: object) -> None:
    assert isinstance(payload, ACTIONS)
    assert AFTER_AN_EDIT.decode(TODAY.encode(payload)) is None


@pytest.mark.parametrize("payload", [TurnOff(), Snooze(), PickZone("Asia/Tokyo"), Menu("safety")])
def test_a_button_whose_meaning_does_not_depend_on_knowledge_survives_an_edit(
    payload: object,
) -> None:
    assert isinstance(payload, ACTIONS)
    assert AFTER_AN_EDIT.decode(TODAY.encode(payload)) == payload


@pytest.mark.parametrize(
    "data",
    [
        "",
        "garbage",
        "v1:answer:which-oil",  # the old format
        "answer:v1",
        "answer:v1:a:b",
        "step:v1:heel-squeeze:two",
        "step:v1:heel-squeeze:-1",
        "rtime:9999",
        "rtime:21",
        "rzone:Mars/Olympus_Mons",
        "rzone:localtime",
        "menu:self-destruct",
        "roff:extra",
        None,
        42,
    ],
)
def test_data_this_bot_would_not_make_today_decodes_to_nothing(data: object) -> None:
    assert TODAY.decode(data) is None


def test_the_prefix_is_read_without_decoding() -> None:
    assert prefix_of(TODAY.encode(Step("heel-squeeze", 2))) == "step"
    assert prefix_of(None) is None


def test_callback_data_over_64_bytes_is_refused_when_made() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        TODAY.encode(Answer("x" * MAX_BYTES))


def test_fields_cannot_hold_the_separator() -> None:
    with pytest.raises(ValueError, match="free of"):
        TODAY.encode(Answer("a:b"))


def test_every_real_button_fits_in_64_bytes(engine: Engine) -> None:
    codec = CallbackCodec(engine.version)
    longest = max((e.id for e in engine.knowledge.entries), key=len)
    assert len(codec.encode(Answer(longest)).encode()) <= MAX_BYTES
    assert len(codec.encode(Step(longest, 99)).encode()) <= MAX_BYTES


def test_prefixes_are_unique() -> None:
    prefixes = [action.prefix for action in ACTIONS]
    assert len(prefixes) == len(set(prefixes))
