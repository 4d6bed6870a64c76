"""How ``tools/train_classifier.py`` picks the red-flag head's threshold: from each tune message's
triage evidence, read once, which must decide exactly as the engine does at any threshold."""

from pathlib import Path

import pytest

from bot.engine import Engine
from bot.engine.classifier import Classifier
from bot.engine.knowledge import Knowledge
from bot.engine.language import analyzer_for
from bot.engine.reading import Reader
from bot.engine.reply import Kind
from bot.engine.triage import Triage
from bot.evaluation import load_cases
from tools.train_classifier import RED_FLAGS_FILE, FlagEvidence


@pytest.mark.parametrize("threshold", [0.3, 0.6, 0.9])
def test_triage_evidence_raises_what_the_engine_raises(
    knowledge_dir: Path, threshold: float
) -> None:
    knowledge = Knowledge.load(knowledge_dir)
    classifier = Classifier.load()
    classifier.red_flag_threshold = threshold
    engine = Engine(knowledge, classifier)
    reader = Reader(analyzer_for(knowledge), classifier)
    triage = Triage(knowledge.triage)
    for case in load_cases(RED_FLAGS_FILE)[::4]:
        evidence = FlagEvidence.read(case, case.expect != "urgent", triage, reader)
        reply = engine.answer(case.question)
        raised = reply.entry_id if reply.kind is Kind.URGENT else None
        alarm = evidence.alarm(threshold)
        assert raised == (f"urgent-{alarm}" if alarm else None), case.question
