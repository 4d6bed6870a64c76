"""`footbot review`: grouping what people asked, the closest entries, the most 👎, the fallback
rate per day, and the report read beside a running bot."""

import json
import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from bot import storage
from bot.cli import main
from bot.engine import Engine
from bot.review.grouping import group_similar
from bot.review.render import as_json, as_text, as_yaml
from bot.review.report import Report, Window, build_report, topic_words
from bot.storage import Question, StorageError, Store, Verdict
from tests.support.stores import Stores

TODAY = date(2025, 3, 10)
WEEK = Window.ending(TODAY, 7)
NOON = WEEK.since + 6 * 86_400 + 12 * 3_600  # noon on TODAY, UTC
TITLES = {"which-oil": "Which oil to use", "how-often": "How often"}


def question(
    text: str, person: str = "p1", guess: str | None = None, reason: str = "fallback"
) -> Question:
    return Question(NOON, person, reason, text, guess, 0.2)


def report_of(
    *questions: Question,
    verdicts: Sequence[Verdict] = (),
    replies: Sequence[tuple[str, str, int]] = (),
) -> Report:
    return build_report(WEEK, questions, verdicts, replies, TITLES)


# ----------------------------------------------------------------------------------- grouping
def test_rephrasings_of_one_question_form_one_group_and_the_largest_group_comes_first() -> None:
    keys = ["ship to canada", "olive oil on feet", "olive oil feet", "can i use olive oil feet"]
    assert group_similar(keys) == [[1, 2, 3], [0]]


def test_identical_and_empty_texts_always_group_together() -> None:
    assert group_similar(["", "sock", "", "sock"]) == [[0, 2], [1, 3]]


def test_a_one_word_message_does_not_chain_unrelated_questions_into_one_group() -> None:
    # "oil" is a subset of both, so similar to both; they are not similar to each other.
    groups = group_similar(["oil", "olive oil feet", "oil stain socks"])
    assert sorted(map(len, groups)) == [1, 2]


def test_stopwords_case_and_word_endings_do_not_split_a_group(engine: Engine) -> None:
    words = topic_words(engine.knowledge)
    texts = ["Can I use olive oil on my feet?", "olive oils on feet", "do you ship to Canada"]
    assert group_similar([words(text) for text in texts]) == [[0, 1], [2]]
    assert words("do you ship to Canada?") == "ship canada"


# ------------------------------------------------------------------------------------- report
def test_a_group_names_the_entry_most_often_guessed_and_counts_people_and_phrasings() -> None:
    report = report_of(
        question("olive oil on feet?", "p1", "which-oil"),
        question("Olive oil on feet", "p1", "which-oil"),
        question("olive oil feet", "p2", "how-often"),
        question("can i use olive oil on my feet", "p3", "which-oil", reason="follow-up"),
    )
    (group,) = report.groups
    assert (group.size, group.people) == (4, 3)
    assert (group.closest_id, group.closest_title) == ("which-oil", "Which oil to use")
    assert group.phrasings[0].text == "olive oil on feet?"
    assert group.phrasings[0].count == 2
    assert group.reasons == {"fallback": 3, "follow-up": 1}


def test_an_entry_that_left_the_knowledge_is_still_named_without_a_title() -> None:
    report = report_of(question("roller?", guess="foot-roller"))
    (group,) = report.groups
    assert (group.closest_id, group.closest_title) == ("foot-roller", None)
    assert "foot-roller (no longer in the knowledge)" in as_text(report)


def test_the_most_disliked_answers_come_with_their_helpful_share_and_totals() -> None:
    verdicts = [Verdict("how-often", 1, 3), Verdict("which-oil", 4, 1), Verdict("massage", 2, 0)]
    report = report_of(verdicts=verdicts)
    assert [(d.entry_id, d.title) for d in report.disliked] == [
        ("how-often", "How often"),
        ("which-oil", "Which oil to use"),
    ]
    assert report.disliked[0].helpful_share == 0.25
    assert (report.helpful, report.unhelpful) == (7, 4)
    assert "How often): 1 👍 / 3 👎, 25% helpful" in as_text(report)


def test_the_fallback_rate_is_given_per_day_and_for_the_whole_window() -> None:
    replies = [("2025-03-08", "faq", 6), ("2025-03-08", "fallback", 2), ("2025-03-09", "faq", 2)]
    report = report_of(replies=replies)
    assert [(day.day, day.total, day.fallback_rate) for day in report.days] == [
        ("2025-03-08", 8, 0.25),
        ("2025-03-09", 2, 0.0),
    ]
    assert report.fallback_rate == 0.2
    assert as_json(report)["replies"] == {
        "total": 10,
        "fallback_rate": 0.2,
        "per_day": [
            {
                "day": "2025-03-08",
                "total": 8,
                "fallback_rate": 0.25,
                "by_kind": {"faq": 6, "fallback": 2},
            },
            {"day": "2025-03-09", "total": 2, "fallback_rate": 0.0, "by_kind": {"faq": 2}},
        ],
    }


def test_the_window_is_today_and_the_days_before_it_from_midnight_utc() -> None:
    assert WEEK.first_day == date(2025, 3, 4)
    assert datetime.fromtimestamp(WEEK.since, UTC) == datetime(2025, 3, 4, tzinfo=UTC)


def test_an_empty_log_says_there_is_nothing_to_review() -> None:
    text = as_text(report_of())
    assert "No unanswered questions in the last 7 days." in text
    assert "No replies counted" in text
    assert yaml.safe_load(as_yaml(report_of(), taken_ids=())) is None


def test_no_output_names_a_person() -> None:
    report = report_of(question("olive oil?", "d41d8cd98f00b204e9800998ecf8427e"))
    outputs = (as_text(report), json.dumps(as_json(report)), as_yaml(report, taken_ids=()))
    assert not [output for output in outputs if "d41d8cd98f00b204" in output]


# ------------------------------------------------------------------------------ yaml skeletons
def test_each_group_becomes_an_entry_skeleton_that_is_valid_yaml_to_edit() -> None:
    report = report_of(
        question("Which oil?"),
        question("which oil"),
        question("which oil please"),
        question("do you ship to Canada?"),
    )
    written = as_yaml(report, taken_ids={"which-oil"})
    assert written.startswith("# ")
    assert "Edit before pasting into knowledge/faq/" in written
    skeletons = yaml.safe_load(written)
    assert skeletons == [
        {
            "id": "which-oil-2",
            "title": "TODO",
            "questions": ["Which oil?", "which oil please"],
            "answer": "TODO",
            "health": False,
            "source": "authored",
        },
        {
            "id": "do-you-ship-to-canada",
            "title": "TODO",
            "questions": ["do you ship to Canada?"],
            "answer": "TODO",
            "health": False,
            "source": "authored",
        },
    ]


# -------------------------------------------------------------------------------- the command
@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FOOTBOT_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def running_bot(data_dir: Path, stores: Stores, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The bot's store (on SQLite holding the folder lock, as the running bot does), with
    ``footbot review`` pointed at it."""
    for name, value in stores.environment(data_dir).items():
        monkeypatch.setenv(name, value)
    return stores.open(data_dir)


def test_review_json_reads_the_log_while_the_bot_holds_the_data_folder(
    running_bot: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    now = int(time.time())
    today = datetime.now(UTC).date().isoformat()
    for reason, text in (("fallback", "do you ship to Canada?"), ("follow-up", "prices?")):
        running_bot.log_question(Question(now, running_bot.person(42), reason, text, None, 0.1))
    running_bot.record_feedback(running_bot.person(42), 7, "which-oil", False, now)
    running_bot.add_replies([(today, "faq", 3), (today, "fallback", 1)])
    assert main(["review", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    phrasings = [p["text"] for group in report["groups"] for p in group["phrasings"]]
    assert sorted(phrasings) == ["do you ship to Canada?", "prices?"]
    assert report["questions"]["by_reason"] == {"fallback": 1, "follow-up": 1}
    assert report["feedback"]["most_unhelpful"][0]["id"] == "which-oil"
    assert report["feedback"]["unhelpful"] == 1
    assert report["replies"]["fallback_rate"] == 0.25


def test_review_of_an_empty_log_says_so_and_exits_0(
    running_bot: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["review", "--days", "3"]) == 0
    assert "No unanswered questions in the last 3 days." in capsys.readouterr().out


def test_review_without_a_database_gives_one_line_exit_2_and_creates_nothing(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["review"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "FOOTBOT_DATA" in error
    assert not data_dir.exists()


def test_review_of_an_sqlite_file_from_an_older_footbot_asks_to_start_the_bot_once(
    sqlite_stores: Stores, data_dir: Path
) -> None:
    sqlite_stores.open(data_dir).close()
    with sqlite3.connect(data_dir / storage.DATABASE_NAME) as db:
        db.execute("UPDATE schema_version SET version = 1")
    with pytest.raises(StorageError, match="start the bot once"):
        Store.read_only(data_dir)


def test_the_read_only_sqlite_store_cannot_write(sqlite_stores: Stores, data_dir: Path) -> None:
    sqlite_stores.open(data_dir)  # the running bot
    reader = Store.read_only(data_dir)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader.add_replies([("2025-03-10", "faq", 1)])
    reader.close()
