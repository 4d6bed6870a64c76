"""How the engine answers what people actually type."""

import pytest

from bot.engine import Engine, Kind
from bot.engine.text import MAX_ANALYSED_CHARS, normalize


def test_a_plain_question_finds_its_entry(engine: Engine) -> None:
    reply = engine.answer("Which oil should I use for a foot massage?")
    assert reply.entry_id == "which-oil"
    assert reply.confidence >= 0.4


@pytest.mark.parametrize(
    ("message", "entry_id"),
    [
        ("wich oil shoud i use", "which-oil"),
        ("HOW OFTEN SHOULD I MASSAGE MY FEET???", "how-often-wellness"),
        ("thumb\u200bwalking", "thumb-walking"),
        ("  heel   squeeze  ", "heel-squeeze"),
        ("quelle huile pour masser les pieds", "which-oil"),
        ("🦶 socks after a massage? 🧦", "tip-socks-after"),
    ],
)
def test_typos_case_spacing_emoji_and_french_are_understood(
    engine: Engine, message: str, entry_id: str
) -> None:
    assert engine.answer(message).entry_id == entry_id


@pytest.mark.parametrize(
    "message", ["", "   ", "🦶🦶🦶", "\u200b\u200b", "?!", "xyz", "hjkl hjkl"]
)
def test_empty_emoji_only_and_gibberish_get_the_fallback(engine: Engine, message: str) -> None:
    reply = engine.answer(message)
    assert reply.kind is Kind.FALLBACK
    assert reply.text


@pytest.mark.parametrize(
    "message",
    ["How do I massage my neck?", "Price of a full body massage?", "best running shoes"],
)
def test_other_subjects_get_the_fallback(engine: Engine, message: str) -> None:
    assert engine.answer(message).kind is Kind.FALLBACK


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("can you set a reminder for me to do my feet at 9pm every night", "en"),
        ("remind me at 5 to call my mom", "en"),
        ("mets-moi un rappel pour 21h stp", "fr"),
    ],
)
def test_a_reminder_request_not_understood_is_told_what_reminder_does(
    engine: Engine, message: str, language: str
) -> None:
    reply = engine.answer(message)
    assert reply.kind is Kind.FALLBACK
    assert reply.language.value == language
    assert "/reminder 21:30" in reply.text
    assert not reply.suggestions


@pytest.mark.parametrize(
    "message",
    ["remind me every night at 9 to massage my feet", "rappelle-moi de me masser les pieds à 21h"],
)
def test_a_short_reminder_request_is_told_what_reminder_does_whatever_it_names(
    engine: Engine, message: str
) -> None:
    assert "/reminder 21:30" in engine.answer(message).text


def test_asking_to_be_reminded_how_a_technique_goes_is_not_a_reminder_request(
    engine: Engine,
) -> None:
    reply = engine.answer("remind me how to do the thumb walk")
    assert "/reminder" not in reply.text
    assert reply.entry_id == "thumb-walking" or reply.suggestions[0].entry_id == "thumb-walking"


def test_a_fallback_offers_at_most_three_suggestions(engine: Engine) -> None:
    reply = engine.answer("feet tired evening warm")
    assert reply.kind is Kind.FALLBACK or reply.related is not None
    assert len(engine.answer("massage").suggestions) <= 3


def test_a_5000_character_message_is_answered_from_its_opening(engine: Engine) -> None:
    rant = "How often should I massage my feet? " + "blah " * 1000
    assert len(rant) > 5000
    reply = engine.answer(rant)
    assert reply.entry_id == "how-often-wellness"


def test_normalisation_caps_the_analysed_text() -> None:
    assert len(normalize("word " * 5000)) <= MAX_ANALYSED_CHARS


def test_normalisation_folds_accents_punctuation_and_invisible_characters() -> None:
    assert normalize("  Grossesse\u200b, ÉTÉ!!  pieds\t\n") == "grossesse ete pieds"


@pytest.mark.parametrize(("message", "key"), [("hello", "greeting"), ("thanks!", "thanks")])
def test_greetings_and_thanks_get_a_friendly_reply(engine: Engine, message: str, key: str) -> None:
    reply = engine.answer(message)
    assert reply.kind is Kind.GREETING
    assert reply.text == engine.text(key)


def test_help_says_what_the_bot_can_do(engine: Engine) -> None:
    assert engine.answer("help").text == engine.text("help")


def test_a_confident_answer_offers_related_entries(engine: Engine) -> None:
    reply = engine.answer("How do I do thumb walking?")
    assert reply.kind is Kind.TECHNIQUE
    assert 0 < len(reply.related) <= 3


def test_a_technique_reply_lists_numbered_steps_time_and_caution(engine: Engine) -> None:
    entry = engine.entry("heel-squeeze")
    text = engine.reply_for("heel-squeeze").text
    assert text.startswith(entry.title)
    assert all(f"{n}. {step}" in text for n, step in enumerate(entry.steps, 1))
    assert entry.time is not None
    assert entry.time in text


def test_step_pages_walk_through_every_step(engine: Engine) -> None:
    routine = engine.routine()
    pages = [engine.step_page(routine.id, i) for i in range(len(routine.steps))]
    assert [routine.steps[i] in page.text for i, page in enumerate(pages)] == [True] * len(pages)
    assert "1" in pages[0].text
    assert str(len(routine.steps)) in pages[0].text
    with pytest.raises(IndexError):
        engine.step_page(routine.id, len(routine.steps))


def test_there_are_eight_techniques_and_eight_benefits(engine: Engine) -> None:
    assert len(engine.techniques()) == 8
    assert len(engine.benefits()) == 8
    assert all(t.source == "authored" for t in engine.techniques())


def test_search_ranks_answers_for_inline_queries(engine: Engine) -> None:
    results = engine.search("heel", limit=10)
    assert 0 < len(results) <= 10
    assert results[0].entry_id == "heel-squeeze"
    assert len(engine.search("", limit=10)) > 0


def test_nightly_tips_change_from_one_night_to_the_next(engine: Engine) -> None:
    assert engine.tip(0).text != engine.tip(1).text


def test_every_reply_serialises_to_the_json_contract(engine: Engine) -> None:
    payload = engine.answer("socks?").to_json()
    assert set(payload) >= {"kind", "id", "confidence", "text", "disclaimer", "suggestions"}
    assert 0.0 <= float(str(payload["confidence"])) <= 1.0
