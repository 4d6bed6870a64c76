"""`footbot check`: the bundled knowledge is clean, and every mistake is reported in place."""

import shutil
from pathlib import Path

import pytest

from bot.engine import Engine, KnowledgeError
from bot.engine.lint import check_knowledge


@pytest.fixture
def editable_knowledge(tmp_path: Path, knowledge_dir: Path) -> Path:
    """A copy of the bundled knowledge that a test may break."""
    copy = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir, copy)
    return copy


def _append_entry(root: Path, text: str) -> None:
    with (root / "faq" / "tips.yaml").open("a", encoding="utf-8") as file:
        file.write("\n" + text)


def test_the_bundled_knowledge_has_no_problems(knowledge_dir: Path) -> None:
    assert [str(p) for p in check_knowledge(knowledge_dir)] == []


def test_every_entry_has_enough_questions_and_a_source(engine: Engine) -> None:
    for entry in engine.knowledge.entries:
        assert len(entry.questions) >= 4, entry.id
        assert entry.source, entry.id


def test_bad_yaml_is_reported_with_file_and_line(editable_knowledge: Path) -> None:
    (editable_knowledge / "faq" / "tips.yaml").write_text("- id: x\n  questions: [unclosed\n")
    problems = check_knowledge(editable_knowledge)
    assert any("tips.yaml:" in str(p) and "bad YAML" in p.message for p in problems)


def test_a_duplicate_id_is_reported(editable_knowledge: Path) -> None:
    _append_entry(
        editable_knowledge,
        "- id: which-oil\n  questions: [a, b, c, d]\n  answer: x\n  health: false\n"
        "  source: authored\n",
    )
    assert any(
        "duplicate id" in p.message and p.entry_id == "which-oil"
        for p in check_knowledge(editable_knowledge)
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "- id: x\n  questions: [a, b, c, d]\n  health: false\n  source: s\n",
            "missing field `answer`",
        ),
        (
            "- id: x\n  questions: [a, b]\n  answer: y\n  health: false\n  source: s\n",
            "at least 4",
        ),
        (
            "- id: x\n  questions: [a, b, c, d]\n  steps: []\n  health: false\n  source: s\n",
            "`steps` is empty",
        ),
        (
            "- id: x\n  questions: [a, b, c, d]\n  answer: y\n  source: s\n",
            "missing field `health`",
        ),
        (
            "- id: x\n  questions: [a, b, c, d]\n  answer: y\n  health: false\n  source: s\n"
            "  related: [nowhere]\n",
            "unknown `related` id",
        ),
        (
            "- id: x\n  questions: [a, b, c, d]\n  answer: See a doctor about the pain.\n"
            "  health: false\n  source: s\n",
            "reads as health advice",
        ),
        (
            "- id: x\n  questions: [a, b, c, d]\n  answer: y\n  health: true\n  source: s\n"
            "  checked_against: [https://www.nhs.uk/]\n",
            "`checked_against` must list sources",
        ),
        (
            "- id: x\n  questions: [a, b, c, d]\n  answer: y\n  health: true\n  source: s\n"
            "  checked_against:\n    - {title: NHS, url: www.nhs.uk}\n",
            "`checked_against` must list sources",
        ),
    ],
)
def test_content_mistakes_are_located(editable_knowledge: Path, entry: str, message: str) -> None:
    _append_entry(editable_knowledge, entry)
    found = [p for p in check_knowledge(editable_knowledge) if message in p.message]
    assert found, message
    assert found[0].file.endswith("tips.yaml")
    assert found[0].line > 1


def test_every_health_entry_names_the_pages_it_was_checked_against(engine: Engine) -> None:
    for entry in engine.knowledge.entries:
        if entry.health:
            assert entry.checked_against, entry.id
            assert all(s.title and s.url.startswith("http") for s in entry.checked_against)


def test_a_health_entry_without_checked_against_fails_the_check_at_its_file_line_and_id(
    editable_knowledge: Path,
) -> None:
    _append_entry(
        editable_knowledge,
        "- id: unchecked-advice\n  questions: [a, b, c, d]\n  answer: Rest the foot.\n"
        "  health: true\n  source: authored\n",
    )
    lines = (editable_knowledge / "faq" / "tips.yaml").read_text(encoding="utf-8").splitlines()
    entry_line = lines.index("- id: unchecked-advice") + 1
    found = [p for p in check_knowledge(editable_knowledge) if "checked_against" in p.message]
    assert [(p.file.endswith("tips.yaml"), p.line, p.entry_id) for p in found] == [
        (True, entry_line, "unchecked-advice")
    ]


def test_loading_broken_knowledge_raises_one_line(editable_knowledge: Path) -> None:
    (editable_knowledge / "faq" / "tips.yaml").write_text("- id: [\n")
    with pytest.raises(KnowledgeError) as error:
        Engine.load(editable_knowledge)
    assert "\n" not in str(error.value)
    assert "tips.yaml" in str(error.value)


def test_a_missing_knowledge_folder_raises_one_line(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="knowledge folder not found"):
        Engine.load(tmp_path / "nowhere")
