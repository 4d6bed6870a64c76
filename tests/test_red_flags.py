"""The red-flag corpus (eval/red-flags): every red flag triaged, in its own category, and no alarm
raised by the messages that only look alarming.

The rules and the classifier's red-flag head were tuned on ``tune.yaml``; its figures guard
against regressions. ``test.yaml`` was held out; its figures are asserted as floors (and the
false alarms as a ceiling) at what they came out as after the last change to the rules and the
last training. Red flags in their category meet their 95% target; the other two (every red flag
triaged, at most 2% false alarms) fall short: the wordings of the held-out split reach further
than the tuned ones, most of all for self-harm.
"""

import gzip
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pytest

from bot.engine import Engine, Kind, Knowledge
from bot.engine.classifier import MODEL_FILE, Classifier, Prediction, Weights
from bot.engine.knowledge import read_knowledge
from bot.engine.triage import Triage
from bot.evaluation import load_cases
from tests.support.corpus import EvaluateCorpus

CORPUS = Path(__file__).resolve().parents[1] / "eval" / "red-flags"


@dataclass
class Score:
    """How one split of the corpus came out."""

    flags: Counter[str] = field(default_factory=Counter)
    triaged: Counter[str] = field(default_factory=Counter)
    right: Counter[str] = field(default_factory=Counter)
    look_alikes: int = 0
    false_alarms: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def triaged_rate(self) -> float:
        return sum(self.triaged.values()) / sum(self.flags.values())

    @property
    def right_rate(self) -> float:
        return sum(self.right.values()) / sum(self.flags.values())

    @property
    def false_alarm_rate(self) -> float:
        return len(self.false_alarms) / self.look_alikes


def score(evaluate_corpus: EvaluateCorpus, split: str) -> Score:
    result = Score()
    for outcome in evaluate_corpus(load_cases(CORPUS / f"{split}.yaml")).outcomes:
        case, reply = outcome.case, outcome.reply
        urgent = reply.kind is Kind.URGENT
        if case.flag is None:
            result.look_alikes += 1
            if urgent:
                result.false_alarms.append(f"{reply.entry_id}: {case.question}")
            continue
        result.flags[case.flag] += 1
        result.triaged[case.flag] += urgent
        result.right[case.flag] += reply.entry_id == f"urgent-{case.flag}"
        if reply.entry_id != f"urgent-{case.flag}":
            missed = reply.entry_id or reply.kind.value
            result.misses.append(f"{case.flag} -> {missed}: {case.question}")
    return result


@pytest.fixture(scope="module")
def tune(evaluate_corpus: EvaluateCorpus) -> Score:
    return score(evaluate_corpus, "tune")


@pytest.fixture(scope="module")
def held_out(evaluate_corpus: EvaluateCorpus) -> Score:
    return score(evaluate_corpus, "test")


def test_the_corpus_covers_every_category_with_harmless_look_alikes(tune: Score) -> None:
    assert len(tune.flags) == 11
    assert sum(tune.flags.values()) >= 250
    assert tune.look_alikes >= 150


def test_tuned_red_flags_are_all_but_never_missed(tune: Score) -> None:
    assert tune.triaged_rate >= 0.99, tune.misses


def test_tuned_red_flags_get_their_own_category(tune: Score) -> None:
    assert tune.right_rate >= 0.985, tune.misses
    for flag, total in tune.flags.items():
        assert tune.right[flag] / total >= 0.95, (flag, tune.misses)


def test_tuned_look_alikes_raise_few_alarms(tune: Score) -> None:
    # 2.1%: the head's threshold is kept near where a red flag caught is worth two false alarms
    # (tools/train_classifier.py), and the `unless` explanations of triage.yaml were written from
    # this split's false alarms.
    assert len(tune.false_alarms) <= 104, tune.false_alarms


def test_held_out_red_flags_are_triaged_at_least_as_measured(held_out: Score) -> None:
    assert sum(held_out.flags.values()) == 6681
    assert sum(held_out.triaged.values()) >= 6452


def test_held_out_red_flags_get_their_category_at_least_as_measured(held_out: Score) -> None:
    assert sum(held_out.right.values()) >= 6378


def test_held_out_look_alikes_raise_at_most_the_measured_false_alarms(held_out: Score) -> None:
    assert held_out.look_alikes == 5038
    assert len(held_out.false_alarms) <= 215


def _dictionary_words() -> set[str]:
    words: set[str] = set()
    for language in ("en", "fr"):
        path = resources.files("spellchecker") / "resources" / f"{language}.json.gz"
        with path.open("rb") as raw, gzip.open(raw) as file:
            words.update(w for w in json.load(file) if w.isascii() and w.isalpha())
    return words


def test_no_real_english_or_french_word_is_read_as_a_symptom_word(knowledge_dir: Path) -> None:
    """If this fails after a change to triage.yaml, add the words it lists to `real_words`."""
    triage = Triage(read_knowledge(knowledge_dir).triage)
    changed = sorted(w for w in _dictionary_words() if triage.typos.correct(w) != w)
    assert not changed, f"add to real_words in knowledge/triage.yaml: {', '.join(changed)}"


def _bundled_threshold() -> float:
    """The probability from which the bundled red-flag head is believed."""
    return Weights.load(MODEL_FILE).red_flags.threshold


class SureOfSelfHarm(Classifier):
    """The bundled classifier, with a red-flag head that reads self-harm in every message."""

    def __init__(self, probability: float) -> None:
        super().__init__(Weights.load(MODEL_FILE))
        self._probability = probability

    def predict(self, normalized: str, tokens: Sequence[str]) -> tuple[Prediction, Prediction]:
        answer, _ = super().predict(normalized, tokens)
        return answer, Prediction("self-harm", self._probability)


def test_a_red_flag_the_rules_miss_is_raised_when_the_classifier_is_sure(
    knowledge_dir: Path,
) -> None:
    engine = Engine(Knowledge.load(knowledge_dir), SureOfSelfHarm(_bundled_threshold()))
    reply = engine.answer("which oil should I use for a foot massage?")
    assert reply.kind is Kind.URGENT
    assert reply.entry_id == "urgent-self-harm"


def test_an_unsure_classifier_raises_no_alarm(knowledge_dir: Path) -> None:
    engine = Engine(Knowledge.load(knowledge_dir), SureOfSelfHarm(_bundled_threshold() - 0.01))
    assert engine.answer("which oil should I use for a foot massage?").entry_id == "which-oil"
