"""Safety first: urgent symptoms, contraindications and the medical disclaimer."""

import pytest

from bot.engine import Engine, Kind


@pytest.mark.parametrize(
    "message",
    [
        "Red, warm, painful swelling in one calf.",
        "my left leg is suddenly swollen and hot",
        "I have chest pain and trouble breathing.",
        "j'ai une douleur dans la poitrine et je suis essoufflé",
        "I suddenly feel numbness and weakness in my leg.",
        "The wound on my foot is infected and I have a fever.",
        "Redness is spreading from a cut on my toe.",
        "I fell and I think my foot is broken.",
        "I have diabetes and an ulcer on my foot.",
        "can you show me thumb walking, my calf is red swollen and warm on one side",
    ],
)
def test_urgent_symptoms_get_seek_medical_care_and_never_steps(
    engine: Engine, message: str
) -> None:
    reply = engine.answer(message)
    assert reply.kind is Kind.URGENT
    assert reply.disclaimer
    assert reply.text.startswith(engine.text("urgent"))
    assert not any(step in reply.text for t in engine.techniques() for step in t.steps)


@pytest.mark.parametrize(
    ("message", "entry_id"),
    [
        ("can I massage my feet if I have a blood clot?", "safety-blood-clots"),
        ("Can I massage a fractured foot?", "safety-fractures"),
        ("is it ok to rub a foot with an open wound", "safety-open-wounds"),
        ("enceinte, je peux me masser les pieds ?", "safety-pregnancy"),
        ("what are the contraindications", "safety-overview"),
    ],
)
def test_contraindication_questions_get_the_safety_answer(
    engine: Engine, message: str, entry_id: str
) -> None:
    reply = engine.answer(message)
    assert reply.kind is Kind.SAFETY
    assert reply.entry_id == entry_id
    assert reply.disclaimer


def test_every_health_entry_carries_the_disclaimer_on_every_path(engine: Engine) -> None:
    disclaimer = engine.text("disclaimer")
    for entry in engine.knowledge.entries:
        replies = [engine.reply_for(entry.id)]
        replies += [engine.step_page(entry.id, i) for i in range(len(entry.steps))]
        for reply in replies:
            assert reply.disclaimer is (entry.health or entry.kind is Kind.SAFETY), entry.id
            assert reply.text.endswith(disclaimer) is reply.disclaimer, entry.id


def test_inline_results_and_tips_carry_the_disclaimer_too(engine: Engine) -> None:
    for reply in engine.search("pain", limit=10):
        entry = engine.entry(reply.entry_id or "")
        assert reply.disclaimer is entry.health
    for n in range(20):
        tip = engine.tip(n)
        assert tip.disclaimer is engine.entry(tip.entry_id or "").health


def test_the_disclaimer_appears_exactly_once(engine: Engine) -> None:
    reply = engine.answer("Can foot massage relieve a headache?")
    assert reply.text.count(engine.text("disclaimer")) == 1


def test_urgent_symptoms_at_the_end_of_a_long_message_are_not_missed(engine: Engine) -> None:
    story = "I have been on my feet all week at work and they ache. " * 75
    message = story + "Now I have chest pain and I can't breathe."
    assert len(message) > 4000
    assert engine.answer(message).kind is Kind.URGENT
