"""The `footbot` command line: its outputs, JSON contract and exit codes."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

JSON_FIELDS = {"kind", "id", "confidence", "text", "disclaimer", "suggestions"}


def test_ask_prints_the_reply_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "which", "oil", "should", "I", "use?"]) == 0
    assert "coconut" in capsys.readouterr().out.lower()


def test_ask_json_prints_one_object_with_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--json", "Is foot massage safe during pregnancy?"]) == 0
    reply = json.loads(capsys.readouterr().out)
    assert set(reply) >= JSON_FIELDS
    assert reply["kind"] == "safety"
    assert reply["disclaimer"] is True
    assert "⚕" in reply["text"]
    assert 0 <= reply["confidence"] <= 1


def test_ask_json_reads_one_question_per_stdin_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json"],
        input="hello\nsocks?\nWill it rain this weekend?\n",
        capture_output=True,
        text=True,
        check=True,
    )
    kinds = [json.loads(line)["kind"] for line in result.stdout.splitlines()]
    assert kinds == ["greeting", "faq", "fallback"]


def test_check_passes_on_the_bundled_knowledge(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    assert "knowledge OK" in capsys.readouterr().out


def test_broken_knowledge_gives_one_line_and_exit_2(
    tmp_path: Path, knowledge_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir, broken)
    (broken / "faq" / "tips.yaml").write_text("- id: [\n")
    assert main(["--knowledge", str(broken), "ask", "hello"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert main(["--knowledge", str(broken), "check"]) == 2


def test_a_missing_knowledge_folder_gives_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--knowledge", str(tmp_path / "none"), "ask", "hi"]) == 2
    assert "knowledge folder not found" in capsys.readouterr().err


def test_chat_runs_in_the_console_without_a_token() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input="how often should I massage my feet?\n1\n/quit\n",
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "week" in result.stdout
    assert "Traceback" not in result.stderr


def test_eval_reports_each_rate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "- {q: hello, expect: answer, must: []}\n"
        "- {q: 'Will it rain?', expect: fallback, must: []}\n"
        "- {q: 'chest pain and I cannot breathe', expect: urgent, must: [doctor|emergency],"
        " disclaimer: true}\n"
    )
    assert main(["eval", str(cases)]) == 0
    out = capsys.readouterr().out
    for label in ("answer", "fallback", "urgent", "disclaimer"):
        assert label in out


def test_eval_lists_confusions_by_entry_and_scores_a_bm25_baseline_beside_the_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "- {q: 'which oil should I use', expect: answer, id: which-oil}\n"
        "- {q: 'which oil should I use', expect: answer, id: heel-squeeze}\n"
        "- {q: 'merci', expect: answer, kind: greeting, lang: fr}\n"
        "- {q: 'Will it rain?', expect: fallback}\n"
    )
    assert main(["eval", str(cases), "--baseline", "bm25"]) == 0
    out = capsys.readouterr().out
    assert "heel-squeeze -> which-oil" in out
    for label in ("small talk", "french", "bm25", "overall"):
        assert label in out


def test_an_unreadable_eval_file_gives_exit_2(tmp_path: Path) -> None:
    assert main(["eval", str(tmp_path / "missing.yaml")]) == 2


def test_a_benchmark_refuses_zero_rounds_with_a_usage_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--rounds", "0"])
    assert exit_info.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err


def test_render_into_an_unwritable_place_gives_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["render", "--out", str(blocker / "pictures")]) == 2
    assert "use --out" in capsys.readouterr().err
