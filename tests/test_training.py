"""How ``tools/train_classifier.py`` learns and picks its thresholds: a story's question is
learnt as the reader will see it; the answer threshold is the lowest that abstains on enough
out-of-scope messages; the red-flag threshold comes from each tune message's triage evidence,
read once, which must decide exactly as the engine does at any threshold."""

from pathlib import Path

from bot.engine import Engine
from bot.engine.classifier import NONE_CLASS, Classifier
from bot.engine.knowledge import Knowledge
from bot.engine.language import analyzer_for
from bot.engine.reading import Reader
from bot.engine.reply import Kind, Reply
from bot.engine.triage import Triage
from bot.evaluation import Case, Outcome, Report, load_cases
from tools.train_classifier import (
    OUT_OF_SCOPE_TARGET,
    RED_FLAGS_FILE,
    FlagEvidence,
    answer_threshold,
    question_passages,
    story_passages,
)

STORY = (
    "We moved house last month and I have been carrying boxes up and down three flights of "
    "stairs every day. The removal van was late, the kettle broke and the cat hid under the bed "
    "for a week, and the new neighbours play drums. By the evening my feet throb, mostly the "
    "arches, and I can barely sleep. What is the best oil for a foot rub?"
)


def _case(question: str, expect: str = "answer", ids: tuple[str, ...] = ()) -> Case:
    return Case(question, expect, None, (), None, ids)


def test_a_story_is_also_learnt_from_the_question_it_asks_with_the_sentence_before() -> None:
    examples = question_passages([_case(STORY, ids=("which-oil",))])
    question = "What is the best oil for a foot rub?"
    assert [e.label for e in examples] == ["which-oil"]
    assert examples[0].text.endswith(f"barely sleep. {question}")


def test_a_short_message_is_learnt_only_whole() -> None:
    assert question_passages([_case("oil?", ids=("which-oil",))]) == []


def test_every_passage_of_an_ordinary_story_is_no_red_flag() -> None:
    examples = story_passages([_case(STORY, ids=("which-oil",))])
    assert {e.label for e in examples} == {NONE_CLASS}
    assert (
        "The removal van was late, the kettle broke and the cat hid under the bed for a week, "
        "and the new neighbours play drums." in [e.text for e in examples]
    )


def test_an_urgent_story_and_a_short_message_teach_no_passage() -> None:
    assert story_passages([_case(STORY, expect="urgent"), _case("oil?", ids=("which-oil",))]) == []


def _abstaining(share: float) -> Report:
    """A report of 100 out-of-scope messages, ``share`` of them abstained on."""
    reply = Reply(Kind.FALLBACK, None, 0.0, "", disclaimer=False)
    outcomes = [
        Outcome(_case(f"message {n}", "fallback"), reply, () if n < share * 100 else ("x",))
        for n in range(100)
    ]
    return Report(outcomes)


def test_the_answer_threshold_is_the_lowest_that_abstains_enough() -> None:
    reports = {0.5: _abstaining(0.9), 0.6: _abstaining(0.95), 0.7: _abstaining(0.97)}
    assert OUT_OF_SCOPE_TARGET == 0.95
    assert answer_threshold(reports) == 0.6


def test_the_surest_answer_threshold_when_none_abstains_enough() -> None:
    assert answer_threshold({0.5: _abstaining(0.5), 0.9: _abstaining(0.8)}) == 0.9


def test_triage_evidence_raises_what_the_engine_raises(knowledge_dir: Path) -> None:
    knowledge = Knowledge.load(knowledge_dir)
    reader = Reader(analyzer_for(knowledge), Classifier.load())
    triage = Triage(knowledge.triage)
    engines: dict[float, Engine] = {}
    for threshold in (0.3, 0.6, 0.9):
        classifier = Classifier.load()
        classifier.red_flag_threshold = threshold
        engines[threshold] = Engine(knowledge, classifier)
    for case in load_cases(RED_FLAGS_FILE)[::8]:
        evidence = FlagEvidence.read(case, case.expect != "urgent", triage, reader)
        for threshold, engine in engines.items():
            reply = engine.answer(case.question)
            raised = reply.entry_id if reply.kind is Kind.URGENT else None
            alarm = evidence.alarm(threshold)
            assert raised == (f"urgent-{alarm}" if alarm else None), (threshold, case.question)
