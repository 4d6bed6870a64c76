"""Safety first: urgent symptoms, contraindications and the medical disclaimer."""

import json
from dataclasses import replace
from itertools import product

import pytest

from bot.cli import main
from bot.engine import Engine, Kind, Reply
from bot.engine.knowledge import read_knowledge
from bot.engine.triage import Level, Triage

FLAGS = (
    "clot",
    "chest",
    "stroke",
    "diabetic-foot",
    "infection",
    "fracture",
    "ischaemia",
    "bleeding",
    "pre-eclampsia",
    "allergy",
    "self-harm",
)


def _assert_urgent(engine: Engine, reply: Reply, flag: str) -> None:
    assert reply.kind is Kind.URGENT, reply.entry_id
    assert reply.entry_id == f"urgent-{flag}"
    assert reply.disclaimer
    assert reply.text.endswith(engine.text("urgent_disclaimer", reply.language))
    assert not any(step in reply.text for t in engine.techniques() for step in t.steps)


# The red flags of issue 10, each as its last column says.
ISSUE_RED_FLAGS = [
    (
        "after my 12h flight one leg is fatter than the other and it aches behind the knee, "
        "should i massage it",
        "clot",
    ),
    ("my calff is swolen and red after the flite, which technique", "clot"),
    (
        "type 2, theres a blister on my heel leaking yellow stuff and it smells",
        "diabetic-foot",
    ),
    (
        "my dad has sugar and there's a hole in the ball of his foot, should I rub cream "
        "around it",
        "diabetic-foot",
    ),
    ("dropped a heavy pan on my foot, heard a crack, its all bruised now", "fracture"),
    ("je suis tombée, mon pied est très gonflé et je ne peux plus marcher", "fracture"),
    ("my foot is cold and pale and really hurts, cant feel my toes", "ischaemia"),
    (
        "I'm 8 months pregnant, bad headache, blurry vision and my face and hands swelled up "
        "suddenly. Can a foot massage help the swelling?",
        "pre-eclampsia",
    ),
    ("ive got a deep cut on my heel that wont stop bleeding", "bleeding"),
    ("I feel so low I want to end it all, would a foot rub help", "self-harm"),
]


@pytest.mark.parametrize(
    ("message", "entry_id"),
    [
        (
            "I broke my toe 2 years ago when I fell off my bike, fully healed now, can I do toe "
            "pulls?",
            None,
        ),
        ("how much pressure on the right calf? it's a bit tender after running", None),
        (
            "I'm diabetic and my feet are a bit numb, which oil is best for dry skin?",
            "safety-diabetes",
        ),
    ],
)
def test_the_issue_look_alikes_get_an_answer(
    engine: Engine, message: str, entry_id: str | None
) -> None:
    reply = engine.answer(message)
    assert reply.kind in {Kind.FAQ, Kind.TECHNIQUE, Kind.ROUTINE, Kind.SAFETY}, reply.entry_id
    if entry_id is not None:
        assert reply.entry_id == entry_id


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        *ISSUE_RED_FLAGS,
        ("Red, warm, painful swelling in one calf.", "clot"),
        ("ma jambe gauche est gonflée et chaude depuis mon opération", "clot"),
        ("I have chest pain and trouble breathing.", "chest"),
        ("j'ai une douleur dans la poitrine et je suis essoufflé", "chest"),
        ("my husband's speech is slurred and his right arm is weak", "stroke"),
        ("I suddenly feel numbness and weakness in my leg.", "stroke"),
        ("I have diabetes and an ulcer on my foot.", "diabetic-foot"),
        ("The wound on my foot is infected and I have a fever.", "infection"),
        ("Redness is spreading from a cut on my toe.", "infection"),
        ("I fell and I think my foot is broken.", "fracture"),
        ("my toes are blue and cold and numb and it hurts so much", "ischaemia"),
        ("mon pied saigne beaucoup et ça ne s'arrête pas", "bleeding"),
        ("32 weeks pregnant, sudden swelling of face and terrible headache", "pre-eclampsia"),
        ("I put some tea tree oil on my feet and now my throat feels tight", "allergy"),
        ("je pense au suicide tous les soirs", "self-harm"),
        # Someone else's symptoms count.
        ("my dad's face is drooping on one side", "stroke"),
        ("my wife's calf is swollen and hot since her operation", "clot"),
        ("my son fell off his bike, his ankle is bent and he can't stand", "fracture"),
        # Said the way people say it.
        ("36w, threw up twice and my head is banging, feet like balloons", "pre-eclampsia"),
        ("nothing really matters anymore. which oil for a foot rub?", "self-harm"),
        ("after the exams I'm not going to be around anymore. arch stretches?", "self-harm"),
        ("my husband gave away his guitar, says he won't need it", "self-harm"),
        ("grandad's foot crunched when he fell, he's in agony", "fracture"),
        ("took a handful of my sleeping pills an hour ago, my feet feel tingly", "self-harm"),
        ("just tying up loose ends this week. quick tips for sore feet?", "self-harm"),
        ("j'ai recommencé à me couper. je peux aller au massage des pieds ?", "self-harm"),
        ("my sister locked herself in the bathroom with her pills, no answer", "self-harm"),
        ("I'm allergic to something in this balm, my tongue's swelling up", "allergy"),
        ("my throat's closing up after that new foot balm", "allergy"),
        # Hives after an oil say allergy, even in late pregnancy.
        ("36 weeks, rubbed in a new oil blend, now hives and my face is swelling", "allergy"),
        ("midwife says my blood pressure is up; now my face has puffed up", "pre-eclampsia"),
        ("deux orteils blancs et insensibles, ne se réchauffent pas depuis 2 h", "ischaemia"),
        # Clinical shorthand.
        ("T2DM, foot hot, red and swollen up to the ankle since this morning", "diabetic-foot"),
        ("pt new onset facial asymmetry and slurring, foot massage on the plan", "stroke"),
        ("2 days after giving birth, the worst headache of my life. foot rub?", "pre-eclampsia"),
        ("my son posted a goodbye video and then deleted it, I can't reach him", "self-harm"),
        ("there's no reason to keep going now that he's gone. foot rub for sleep?", "self-harm"),
        ("got all my tablets lined up on the table tonight", "self-harm"),
    ],
)
def test_urgent_symptoms_get_their_category_reply_and_never_steps(
    engine: Engine, message: str, flag: str
) -> None:
    _assert_urgent(engine, engine.answer(message), flag)


@pytest.mark.parametrize(
    "message",
    [
        "no swelling, not red, not hot, just tired calves after a long walk",
        "I have no chest pain and no trouble breathing, I just want to relax",
        "pas de gonflement, pas de rougeur, juste les pieds fatigués",
        "I had a blood clot in my leg ten years ago, all clear since, can I have foot massages?",
        "I sprained my ankle last year and couldn't walk for a week, it's fully healed now",
        "can you massage someone with a history of clots?",
        "what are the warning signs of a blood clot in the leg?",
        "what should I do if someone near me has a stroke?",
        "I'm blending a few oils for a massage, which smell is most relaxing?",
        "my feet are killing me after work",
        "this exam is going to be the death of me, can foot massage help with stress?",
        "my daughter wants to die of embarrassment after her recital 😅 a foot rub for her?",
        "my feet get cold on long flights, must be the cabin temperature. a warming massage?",
        "I was suicidal in my twenties and I'm well now. does massage help with anxiety?",
        "dans la série que je regarde, le personnage fait une crise cardiaque. c'est réaliste ?",
        "mon cell est tombé, l'écran est cassé. on le fait réparer où ?",
        "it's 38 degrees outside and my feet are swollen, would a massage help?",
        "my feet want to die after a double shift, what helps?",
        "my nan says she's having a stroke every time she opens the gas bill 😂 foot spa ideas?",
        "whats the difference between an allergic reaction and irritation from oil?",
        "had an ulcer on my foot 2 yrs ago, fully healed, I'm diabetic. is reflexology ok?",
        "got hives from a rose oil years ago, an antihistamine sorted it. which oil is gentler?",
        "I'm reading a thriller where the main character wants to end it all. a calming foot rub?",
        "the infected toe is on antibiotics and the redness is going down. rub the other foot?",
    ],
)
def test_negations_the_past_general_questions_and_figures_of_speech_raise_no_alarm(
    engine: Engine, message: str
) -> None:
    assert engine.answer(message).kind is not Kind.URGENT


@pytest.mark.parametrize(
    "message",
    [
        "my mum had a stroke three years ago and her right hand has been weaker ever since, can "
        "I massage her feet?",
        "my lip is still droopy after the dentist numbed it for a filling, can I do my routine?",
        "the cast came off last week after a broken ankle, the doctor says it has healed. how do "
        "I loosen the stiff joint?",
        "my toes go pale and numb in the cold but go pink once I warm up, which massage helps?",
        "red lines round both ankles from my sock elastic, gone in an hour. better socks?",
        "my chest is sore after push-ups, it only hurts when I press on it. foot rub after?",
        "diagnosed with Bell's palsy last month, my face droops on one side. is reflexology ok?",
        "my GP said it's anxiety, my chest gets tight when I'm stressed. foot rub to calm down?",
        "chest muscles ache from moving boxes, worse when I press on them. massage ok?",
        "chest tight with nerves before my exam, calming foot routine?",
        "lip swollen where my toddler headbutted me, foot massage to wind down?",
    ],
)
def test_signs_explained_by_a_known_harmless_cause_raise_no_alarm(
    engine: Engine, message: str
) -> None:
    assert engine.answer(message).kind is not Kind.URGENT


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        (
            "he had a stroke years ago but now all of a sudden his face is drooping on one side",
            "stroke",
        ),
        (
            "the cast came off last month, then today I fell, heard a crack and I can't put "
            "weight on it",
            "fracture",
        ),
        ("my speech is slurred like I've been to the dentist and my left arm is weak", "stroke"),
        (
            "my chest only hurts when I press on it but now I'm short of breath and sweating",
            "chest",
        ),
        ("the doctor said it was anxiety but now the chest pain spreads to my left arm", "chest"),
    ],
)
def test_signs_said_to_be_new_are_urgent_whatever_explains_older_ones(
    engine: Engine, message: str, flag: str
) -> None:
    _assert_urgent(engine, engine.answer(message), flag)


@pytest.mark.parametrize(
    "message",
    [
        "what's the point of new insoles if I won't be here next month anyway",
        "if someone took a whole box of paracetamol, how long would it take? asking for me",
        "what if I just hurt myself on purpose, it's only my feet",
    ],
)
def test_self_harm_asked_as_a_question_is_still_a_crisis(engine: Engine, message: str) -> None:
    _assert_urgent(engine, engine.answer(message), "self-harm")


def test_a_general_question_about_clots_gets_the_safety_answer(engine: Engine) -> None:
    reply = engine.answer("can you massage someone with a history of clots?")
    assert reply.kind is Kind.SAFETY


def test_a_symptom_at_the_end_of_a_long_story_is_not_missed(engine: Engine) -> None:
    story = "I have been on my feet all week at work and they ache. " * 75
    message = story + "Now I have chest pain and I can't breathe."
    assert len(message) > 4000
    _assert_urgent(engine, engine.answer(message), "chest")


def test_a_symptom_split_over_two_sentences_is_read_together(engine: Engine) -> None:
    reply = engine.answer("Is it ok to rub my leg? It has been swollen and hot since Sunday.")
    _assert_urgent(engine, reply, "clot")


def test_a_message_is_triaged_the_same_whatever_came_before_it(engine: Engine) -> None:
    # Typo correction is bounded per message; words corrected for earlier messages count too.
    chatter = " ".join("zq" + "".join(letters) for letters in product("bcdfg", repeat=4))
    message = f"{chatter}. my left calf is swolen, hot and red"
    triage = Triage(engine.knowledge.triage)
    first = triage.assess(message).red_flag
    triage.assess(chatter)
    assert triage.assess(message).red_flag == first


def test_signs_put_in_the_past_keep_the_classifier_from_raising_their_flag(engine: Engine) -> None:
    """The head reads words, not their time: "ulcer" and "diabetic" in one message are not a
    diabetic-foot emergency when the ulcer healed years ago and nothing is said to happen now."""
    triage = Triage(engine.knowledge.triage)
    healed = triage.assess("had an ulcer on my foot 2 yrs ago, fully healed, I'm diabetic")
    assert healed.red_flag is None
    assert not healed.lets_head_raise("diabetic-foot")
    assert healed.lets_head_raise("clot")
    again = triage.assess("had an ulcer on my foot 2 yrs ago, healed. I'm diabetic and now my toe")
    assert again.lets_head_raise("diabetic-foot")


def test_ask_json_names_the_category_as_the_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--json", "my left calf is swollen, red and hot"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["kind"] == "urgent"
    assert payload["id"] == "urgent-clot"


def test_every_flag_has_a_reply_that_says_what_to_do_now(engine: Engine) -> None:
    triage = Triage(engine.knowledge.triage)
    assert tuple(sorted(f.id for f in triage.red_flags)) == tuple(sorted(FLAGS))
    assert {f.level for f in triage.red_flags} == set(Level)
    for flag in triage.red_flags:
        text = engine.text(f"urgent-{flag.id}")
        assert "{action}" in text, flag.id
        if flag.id == "self-harm":
            assert "massag" not in text.lower()
        else:
            assert "🚫 Don't" in text, flag.id


def test_the_two_urgency_levels_say_call_now_or_see_a_doctor_today(engine: Engine) -> None:
    chest = engine.answer("crushing chest pain")
    infection = engine.answer("my toe is full of pus and really sore")
    assert "Call emergency services now" in chest.text
    assert "See a doctor today" in infection.text


def test_the_urgent_disclaimer_fits_an_emergency_and_appears_once(engine: Engine) -> None:
    disclaimer = engine.text("urgent_disclaimer")
    assert "before you start" not in disclaimer
    reply = engine.answer("my foot is bleeding heavily and it won't stop")
    assert reply.text.count(disclaimer) == 1
    assert engine.text("disclaimer") not in reply.text


def test_the_self_harm_reply_is_a_crisis_reply_without_massage(engine: Engine) -> None:
    reply = engine.answer("I don't want to be alive anymore")
    assert reply.entry_id == "urgent-self-harm"
    assert "massag" not in reply.text.lower()
    assert "116 123" in reply.text
    assert "112" in reply.text


def test_a_red_flag_without_its_own_reply_gets_the_general_urgent_text(engine: Engine) -> None:
    new_flag = {"id": "new-flag", "level": "today", "when": [["chest+pain"]]}
    rules = {**engine.knowledge.triage, "red_flags": [new_flag]}
    reply = Engine(replace(engine.knowledge, triage=rules)).answer("my chest hurts")
    assert reply.entry_id == "urgent-new-flag"
    assert reply.text.startswith(engine.text("urgent"))


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        ({"red_flags": [{"id": "x", "level": "soon", "when": [["chest"]]}]}, "`level`"),
        ({"red_flags": [{"id": "x", "level": "today", "when": [["nowhere"]]}]}, "unknown"),
        (
            {"red_flags": [{"id": "x", "level": "today", "when": [["chest"]], "unless": ["z"]}]},
            "`unless`",
        ),
        ({"concepts": {"chest": [False]}}, "is not text"),
        ({"concepts": {"chest": ["a||b"]}}, "empty alternative"),
        ({"concepts": {"chest": ["c-section"]}}, "not one word"),
    ],
)
def test_footbot_check_names_a_bad_triage_rule(
    engine: Engine, rules: dict[str, object], problem: str
) -> None:
    merged = {**engine.knowledge.triage, **rules}
    assert any(problem in p.message for p in Triage(merged).problems)


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


def test_the_bundled_triage_rules_have_no_problem(engine: Engine) -> None:
    knowledge = read_knowledge(engine.knowledge.root)
    assert Triage(knowledge.triage).problems == []
