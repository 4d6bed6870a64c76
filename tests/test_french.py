"""French: a question is answered in the language it is asked in, and the French knowledge stays
in step with the English.

The French corpus (eval/french) was written by French speakers who never saw the knowledge;
``test.yaml`` was held out, and its figures are asserted as floors at what they came out as
after the last training (below). Red flags triaged right (target 100%) still fall short; entries
answered right and out-of-scope messages abstained on meet their 95%.
"""

import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.engine import Context, Engine, Kind
from bot.engine.languages import Language
from bot.engine.lint import check_knowledge
from bot.evaluation import Case, Report, load_cases
from tests.support.corpus import EvaluateCorpus
from tests.test_understanding_corpus import rates

CORPUS = Path(__file__).resolve().parents[1] / "eval" / "french"
HELD_OUT_MESSAGES = 8320
ENTRIES_RIGHT = 4993  # of 5,245
OUT_OF_SCOPE_ABSTAINED = 1561  # of 1,640
RED_FLAGS_RIGHT = 1129  # of 1,151
FRENCH_CHAT = Context(language=Language.FR)
ENGLISH_CHAT = Context(language=Language.EN)


@pytest.fixture
def editable_knowledge(tmp_path: Path, knowledge_dir: Path) -> Path:
    copy = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir, copy)
    return copy


def test_a_french_question_gets_the_french_answer(engine: Engine) -> None:
    reply = engine.answer("quelle huile utiliser pour masser les pieds ?")
    assert reply.language is Language.FR
    assert reply.entry_id == "which-oil"
    assert reply.text.startswith(engine.entry("which-oil", Language.FR).answer or "")


def test_an_english_question_in_a_french_chat_is_answered_in_english(engine: Engine) -> None:
    reply = engine.answer("which oil should I use for a foot massage?", FRENCH_CHAT)
    assert reply.language is Language.EN
    assert reply.entry_id == "which-oil"


@pytest.mark.parametrize("message", ["ok", "merci", "👍", "massage"])
def test_a_short_or_ambiguous_message_keeps_the_chats_language(
    engine: Engine, message: str
) -> None:
    assert engine.answer(message, FRENCH_CHAT).language is Language.FR
    assert engine.answer(message, ENGLISH_CHAT).language is Language.EN


def test_a_lone_french_word_decides_only_when_the_chat_has_no_language(engine: Engine) -> None:
    assert engine.answer("bonsoir").language is Language.FR
    assert engine.answer("bonsoir", ENGLISH_CHAT).language is Language.EN


def test_a_mixed_message_gets_the_language_of_most_of_its_words(engine: Engine) -> None:
    mostly_french = "est-ce que je peux utiliser mon foot roller tous les soirs ?"
    mostly_english = "can I use my roller every evening, c'est ok?"
    assert engine.answer(mostly_french).language is Language.FR
    assert engine.answer(mostly_english).language is Language.EN


def test_accents_and_elisions_are_optional(engine: Engine) -> None:
    accented = engine.answer("qu'est-ce que la réflexologie ?")
    plain = engine.answer("quest ce que la reflexologie")
    assert accented.entry_id == plain.entry_id == "massage-vs-reflexology"
    assert accented.language is plain.language is Language.FR


def test_a_walkthrough_page_in_french_has_french_steps(engine: Engine) -> None:
    page = engine.step_page("thumb-walking", 0, Language.FR)
    french = engine.entry("thumb-walking", Language.FR)
    assert page.language is Language.FR
    assert french.title in page.text
    assert french.steps[0] in page.text
    assert page.text != engine.step_page("thumb-walking", 0).text


def test_a_french_health_answer_carries_the_french_disclaimer(engine: Engine) -> None:
    reply = engine.answer("est-ce que je peux me masser les pieds si j'ai du diabète ?")
    assert reply.disclaimer
    assert reply.text.endswith(engine.text("disclaimer", Language.FR))


def test_a_french_red_flag_gets_the_french_urgent_reply(engine: Engine) -> None:
    reply = engine.answer("mon mollet est gonflé, rouge et chaud depuis mon vol de 12 heures")
    assert reply.kind is Kind.URGENT
    assert reply.entry_id == "urgent-clot"
    assert reply.language is Language.FR
    assert reply.text.endswith(engine.text("urgent_disclaimer", Language.FR))
    assert "112" in engine.text("urgent_action_emergency", Language.FR)


def test_ask_json_shows_the_language_and_lang_forces_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["ask", "--json", "comment masser mes pieds le soir ?"]) == 0
    assert '"lang": "fr"' in capsys.readouterr().out
    assert main(["ask", "--json", "--lang", "fr", "which oil is best?"]) == 0
    assert '"lang": "fr"' in capsys.readouterr().out


@pytest.fixture(scope="module")
def held_out(evaluate_corpus: EvaluateCorpus) -> Report:
    """The test split, each message asked as the first of a chat in French."""
    return evaluate_corpus(_cases("test"))


def test_every_reply_to_a_french_message_of_the_corpus_is_in_french(
    evaluate_corpus: EvaluateCorpus, held_out: Report
) -> None:
    """Both splits, each message asked by a person whose app speaks French: a message that
    shows its language must show French, and one too short to show any keeps the chat's."""
    outcomes = evaluate_corpus(_cases("tune")).outcomes + held_out.outcomes
    assert {o.case.lang for o in outcomes} == {"fr"}
    assert [o.case.question for o in outcomes if o.reply.language is Language.EN] == []


def test_the_held_out_french_split_is_understood_at_least_as_well_as_when_measured(
    held_out: Report,
) -> None:
    found = rates(held_out)
    assert found["overall"][1] == HELD_OUT_MESSAGES
    assert found["entries"][0] >= ENTRIES_RIGHT
    assert found["fallback"][0] >= OUT_OF_SCOPE_ABSTAINED
    assert found["urgent"][0] >= RED_FLAGS_RIGHT


def test_an_entry_without_its_french_fails_the_check(editable_knowledge: Path) -> None:
    tips = editable_knowledge / "faq" / "tips.yaml"
    tips.write_text(re.sub(r"\n  fr:\n(?:    .*\n|      .*\n)*", "\n", tips.read_text(), count=1))
    problems = check_knowledge(editable_knowledge)
    assert any("missing its `fr:` block" in p.message for p in problems)


def test_a_french_walkthrough_with_another_number_of_steps_fails_the_check(
    editable_knowledge: Path,
) -> None:
    techniques = editable_knowledge / "faq" / "techniques.yaml"
    entries = yaml.safe_load(techniques.read_text())
    entries[1]["fr"]["steps"] = entries[1]["fr"]["steps"][:-1]
    techniques.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False))
    problems = check_knowledge(editable_knowledge)
    assert any(p.entry_id == entries[1]["id"] and "`fr.steps` has" in p.message for p in problems)


def test_shared_fields_cannot_be_translated(editable_knowledge: Path) -> None:
    safety = editable_knowledge / "faq" / "safety.yaml"
    entries = yaml.safe_load(safety.read_text())
    entries[0]["fr"]["health"] = False
    safety.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False))
    problems = check_knowledge(editable_knowledge)
    assert any("`fr.health` is shared" in p.message for p in problems)


def test_a_fixed_text_without_its_french_or_with_other_placeholders_fails_the_check(
    editable_knowledge: Path,
) -> None:
    french = editable_knowledge / "texts" / "fr" / "telegram.yaml"
    text = french.read_text()
    text = re.sub(r"(?m)^walkthrough_back:.*\n", "", text)
    text = text.replace("{title}", "{titre}", 1)
    french.write_text(text)
    messages = {(p.entry_id, p.message) for p in check_knowledge(editable_knowledge)}
    assert ("walkthrough_back", "missing its fr text") in messages
    assert any("placeholders" in message for _, message in messages)


def _cases(split: str) -> list[Case]:
    return load_cases(CORPUS / f"{split}.yaml")
