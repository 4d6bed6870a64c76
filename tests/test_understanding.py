"""How the engine understands messages nobody wrote down: the domain gate, small talk, long
messages, follow-ups in context and questions that combine an intent with a topic."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from benchmarks.engine import scaled
from bot.engine import Context, Engine, Kind
from bot.engine.context import FOLLOW_UP_WINDOW
from bot.engine.language import real_words
from bot.engine.reading import READ_BUDGET, passages

HIKING_STORY = (
    "Last weekend I did a long hike in the hills with a heavy pack, about twenty kilometres, "
    "and the trail was rocky the whole way down. My legs were fine, but by the evening the soles "
    "of my feet felt tight, as if the whole bottom of each foot was one big knot. I stretched a "
    "bit and had a hot shower, which helped a little. A friend told me about a trick with a "
    "tennis ball under the foot. what's that move again?"
)


@pytest.mark.parametrize(
    "message",
    [
        "what time does the supermarket close",
        "how do I sort my emails by date",
        "how do I roll sushi",
        "how to heal a broken heart",
        "do you do hand massages too",
    ],
)
def test_a_message_about_something_else_falls_back_even_when_it_shares_a_word(
    engine: Engine, message: str
) -> None:
    assert engine.answer(message).kind is Kind.FALLBACK


@pytest.mark.parametrize(
    ("message", "entry_id"),
    [
        ("how should I sit to massage my own feet? my back hurts", "self-massage-position"),
        ("how do I massage my back", None),
        ("my knee hurts, what should I do?", None),
    ],
)
def test_another_body_part_falls_back_unless_the_message_names_feet_too(
    engine: Engine, message: str, entry_id: str | None
) -> None:
    # "my own feet" stands for self-massage, and still names feet.
    assert engine.answer(message).entry_id == entry_id


@pytest.mark.parametrize(
    ("message", "entry_id"),
    [
        ("which oil is best, coconut or olive", "which-oil"),
        ("should i kneel or sit to press harder", "tip-body-weight"),
    ],
)
def test_a_question_the_classifier_is_sure_of_passes_the_domain_gate(
    engine: Engine, message: str, entry_id: str
) -> None:
    # Neither names feet or massage: the domain gate alone would send the fallback.
    assert engine.answer(message).entry_id == entry_id


@pytest.mark.parametrize("message", ["Goedemorgen", "moin moin", "kiitos!"])
def test_a_greeting_or_thanks_in_another_language_is_small_talk(
    engine: Engine, message: str
) -> None:
    assert engine.answer(message).kind is Kind.GREETING


def test_teach_me_the_pressure_points_gets_the_pressure_points_technique(engine: Engine) -> None:
    assert engine.answer("teach me the pressure points").entry_id == "pressure-points"


def test_thanks_in_slang_gets_you_are_welcome(engine: Engine) -> None:
    reply = engine.answer("cheers mate, super useful")
    assert reply.kind is Kind.GREETING
    assert reply.text == engine.text("thanks")


def test_good_night_gets_a_goodbye_not_the_sleep_benefit(engine: Engine) -> None:
    reply = engine.answer("good night 🌙")
    assert reply.kind is Kind.GREETING
    assert reply.text == engine.text("goodbye")


@pytest.mark.parametrize(
    "message", ["am I talking to a real person?", "est-ce que tu es un robot ?"]
)
def test_asking_whether_it_is_a_bot_is_small_talk_without_any_greeting_word(
    engine: Engine, message: str
) -> None:
    assert engine.answer(message).kind is Kind.GREETING


def test_a_request_for_another_job_is_not_small_talk(engine: Engine) -> None:
    assert engine.answer("can you help me with my homework").kind is Kind.FALLBACK


def test_a_question_at_the_end_of_a_long_story_is_found(engine: Engine) -> None:
    assert len(HIKING_STORY) > 400
    assert engine.answer(HIKING_STORY).entry_id == "ball-roll"


def test_a_long_message_is_read_sentence_by_sentence() -> None:
    found = passages("I walk a lot. My soles ache! How often should I massage them?")
    assert "How often should I massage them?" in found


def test_a_very_long_message_is_read_where_its_question_is_within_a_budget(
    engine: Engine,
) -> None:
    chatter = "We walked along the river and talked about the weekend and the weather. " * 60
    story = f"{chatter}{HIKING_STORY}"
    assert len(story) > 4_000
    read = passages(story)
    assert sum(len(passage) for passage in read) <= 2 * READ_BUDGET
    assert any(passage.endswith("what's that move again?") for passage in read)
    assert engine.answer(story).kind is not Kind.FALLBACK


def test_a_red_flag_deep_inside_a_very_long_message_is_still_urgent(engine: Engine) -> None:
    chatter = "We walked along the river and talked about the weekend and the weather. " * 60
    story = f"My calf is swollen, red and hot on one side since the flight. {chatter} Any tips?"
    assert engine.answer(story).entry_id == "urgent-clot"


def test_a_real_word_is_never_corrected_into_a_domain_word() -> None:
    assert all(word in real_words() for word in ("sort", "stock", "roll", "pied"))
    assert "massge" not in real_words()


def test_how_often_for_stress_gives_the_stress_frequency_not_the_benefit(engine: Engine) -> None:
    assert engine.answer("how often for stress").entry_id == "how-often-stress"


def test_a_follow_up_that_names_no_topic_is_read_against_the_last_answer_for_ten_minutes(
    engine: Engine,
) -> None:
    now = datetime.now(UTC)
    fresh = Context(last_entry_id="benefit-stress", at=now - timedelta(minutes=2))
    stale = Context(last_entry_id="benefit-stress", at=now - FOLLOW_UP_WINDOW * 2)
    assert fresh.recent_entry(now) == "benefit-stress"
    assert stale.recent_entry(now) is None
    assert engine.answer("and how often?", context=fresh).entry_id == "how-often-stress"
    assert engine.answer("and how often?", context=stale).entry_id == "how-often-wellness"
    assert engine.answer("and how often?").entry_id == "how-often-wellness"


def test_a_follow_up_that_names_its_topic_is_answered_on_its_own(engine: Engine) -> None:
    context = Context(last_entry_id="thumb-walking", at=datetime.now(UTC))
    assert engine.answer("is it ok when pregnant?", context=context).entry_id == (
        "safety-pregnancy"
    )


def test_copies_of_every_entry_under_new_ids_leave_the_answers_unchanged(
    engine: Engine,
) -> None:
    larger = Engine(scaled(engine.knowledge, 3))
    assert len(larger.knowledge.entries) == 3 * len(engine.knowledge.entries)
    assert larger.answer("how often for stress").entry_id == "how-often-stress"


def test_a_message_is_read_the_same_in_every_process() -> None:
    # String hashes, and so the order of sets, change from one process to the next; a typo
    # whose closest words are equally close must still be corrected the same way each time.
    message = "massage karte waqt haath thak jaate hai, thumbs dard karte hai, kya karu?\n"
    replies = {
        subprocess.run(
            [sys.executable, "-m", "bot", "ask", "--json"],
            input=message,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("0", "1")
    }
    assert len(replies) == 1
