"""What the review keeps: misses, never emergencies or contact details."""

import pytest

from bot.engine import Kind, Reply
from bot.unanswered import FALLBACK, UNSURE, keepable, reason_to_keep


def reply(kind: Kind, confidence: float = 0.9) -> Reply:
    return Reply(kind, None, confidence, "text", disclaimer=False)


def test_a_fallback_is_kept_for_review() -> None:
    assert reason_to_keep(reply(Kind.FALLBACK, 0.1)) == FALLBACK


def test_an_answer_given_without_confidence_is_kept_for_review() -> None:
    assert reason_to_keep(reply(Kind.FAQ, 0.45)) == UNSURE


@pytest.mark.parametrize("kind", [Kind.FAQ, Kind.GREETING, Kind.URGENT, Kind.TECHNIQUE])
def test_confident_answers_greetings_and_emergencies_are_not(kind: Kind) -> None:
    assert reason_to_keep(reply(kind, 0.95)) is None


def test_an_urgent_message_is_never_kept_as_text() -> None:
    assert not keepable("my calf is swollen and red", reply(Kind.URGENT))


@pytest.mark.parametrize(
    "text",
    [
        "write to me at ana.perez+feet@example.org",
        "call me on +44 20 7946 0958",
        "my number is 06 12 34 56 78",
        "(555) 123-4567 after 6",
    ],
)
def test_a_message_with_contact_details_is_never_kept_as_text(text: str) -> None:
    assert not keepable(text, reply(Kind.FALLBACK, 0.1))


@pytest.mark.parametrize("text", ["massage for 10 minutes 3 times a week", "size 42 shoes"])
def test_ordinary_numbers_do_not_look_like_phone_numbers(text: str) -> None:
    assert keepable(text, reply(Kind.FALLBACK, 0.1))
