"""The SQLite store: durable upserts, due selection, schema migration and the file_id cache."""

import sqlite3
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from bot import storage
from bot.storage import Question, StorageError, Store, Subscription, Verdict


def make(chat_id: int, due: int | None = 100) -> Subscription:
    return Subscription(chat_id=chat_id, local_time="21:30", zone="Europe/Paris", next_due_utc=due)


def test_open_creates_the_database_in_the_data_dir(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "data")
    assert store.path == tmp_path / "data" / storage.DATABASE_NAME
    assert store.path.exists()
    store.close()


def test_database_uses_write_ahead_logging(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    with sqlite3.connect(tmp_path / storage.DATABASE_NAME) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_saved_subscription_survives_reopening_the_file(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.save(make(42))
    store.close()
    assert Store.open(tmp_path).subscription(42) == make(42)


def test_saved_data_is_visible_to_another_connection_immediately(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.save(make(42))
    other = Store(tmp_path / storage.DATABASE_NAME)
    assert other.subscription(42) == make(42)


def test_a_second_bot_on_the_same_data_folder_is_refused_with_one_line(tmp_path: Path) -> None:
    first = Store.open(tmp_path)
    with pytest.raises(StorageError, match="another footbot is already running") as refused:
        Store.open(tmp_path)
    assert "\n" not in str(refused.value)
    first.close()
    Store.open(tmp_path).close()  # the lock ends with the store: nothing is left stale


def test_the_data_folder_and_database_are_private_to_the_bot_user(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    Store.open(folder).close()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in (storage.DATABASE_NAME, f"{storage.DATABASE_NAME}-wal"):
        path = folder / name
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_damaged_database_is_refused_at_start_with_the_file_to_fix(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.save_many(make(chat_id) for chat_id in range(2000))
    store.close()
    path = tmp_path / storage.DATABASE_NAME
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    data[3 * page : 3 * page + 200] = b"\xff" * 200  # scribble over a b-tree page
    path.write_bytes(bytes(data))
    with pytest.raises(StorageError, match=r"damaged|malformed|not a database") as refused:
        Store.open(tmp_path)
    assert str(path.parent) in str(refused.value)


def test_replace_unchanged_leaves_a_row_the_person_changed_meanwhile(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    claimed, original = make(1), replace(make(1), next_due_utc=1)
    store.save_many([claimed, replace(make(2), zone="Asia/Tokyo")])
    changed = replace(make(2), zone="Asia/Tokyo")
    replaced = store.replace_unchanged([(claimed, original), (make(2), make(2))])
    assert replaced == 1
    assert store.subscription(1) == original
    assert store.subscription(2) == changed


def test_saving_the_same_subscription_twice_keeps_one_row(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.save(make(42))
    store.save(make(42))
    assert store.count_active() == 1


def test_saving_again_replaces_every_field(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.save(make(42))
    changed = Subscription(42, "07:00", "UTC", None, "2025-01-01", None)
    store.save(changed)
    assert store.subscription(42) == changed


def test_due_returns_only_subscriptions_at_or_before_now_earliest_first(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.save_many([make(1, 300), make(2, 100), make(3, 200), make(4, None)])
    assert [s.chat_id for s in store.due(200, limit=10)] == [2, 3]


def test_due_respects_the_limit(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.save_many(make(i, i) for i in range(1, 11))
    assert [s.chat_id for s in store.due(100, limit=3)] == [1, 2, 3]


def test_delete_removes_the_subscription_and_reports_whether_it_existed(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.save(make(42))
    assert store.delete(42) is True
    assert store.subscription(42) is None
    assert store.delete(42) is False


def test_new_file_records_the_latest_schema_version(tmp_path: Path) -> None:
    assert Store.open(tmp_path).schema_version() == len(storage.MIGRATIONS)


def test_an_older_file_is_migrated_forward_without_losing_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store.open(tmp_path)
    store.save(make(42))
    store.close()
    later = "CREATE TABLE later_feature (id INTEGER PRIMARY KEY)"
    monkeypatch.setattr(storage, "MIGRATIONS", (*storage.MIGRATIONS, later))
    migrated = Store.open(tmp_path)
    assert migrated.schema_version() == len(storage.MIGRATIONS)
    assert migrated.subscription(42) == make(42)
    with sqlite3.connect(migrated.path) as db:
        assert db.execute("SELECT * FROM later_feature").fetchall() == []


def test_reopening_a_current_file_applies_no_migration_twice(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    reopened = Store.open(tmp_path)
    assert reopened.schema_version() == len(storage.MIGRATIONS)


def test_file_id_cache_round_trips_and_overwrites(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    assert store.get_file_id("thumb-walking/1") is None
    store.set_file_id("thumb-walking/1", "AgAD-first")
    store.set_file_id("thumb-walking/1", "AgAD-second")
    assert store.get_file_id("thumb-walking/1") == "AgAD-second"


# ----------------------------------------------------------------------------- review tables
def asked(store: Store, chat_id: int, text: str, at: int = 1_000) -> Question:
    question = Question(at, store.person(chat_id), "fallback", text, "which-oil", 0.2)
    store.log_question(question)
    return question


def test_a_person_is_a_keyed_hash_that_never_shows_the_chat_id(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    person = store.person(123456789)
    assert person == store.person(123456789)
    assert "123456789" not in person
    store.close()
    other_install = Store.open(tmp_path / "elsewhere")
    assert other_install.person(123456789) != person
    assert stat.S_IMODE((tmp_path / storage.SECRET_NAME).stat().st_mode) == 0o600


def test_questions_are_kept_cut_to_500_characters_and_can_be_aged_out(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    asked(store, 1, "x" * 900, at=100)
    kept = asked(store, 2, "which lotion", at=200)
    store.record_feedback(store.person(1), 10, "which-oil", False, at=100)
    store.record_feedback(store.person(2), 11, "which-oil", True, at=200)
    assert [len(q.text) for q in store.questions_since(0)] == [500, len("which lotion")]
    assert store.forget_before(150) == 2
    assert store.questions_since(0) == [kept]
    assert store.verdicts_since(0) == [Verdict("which-oil", helpful=1, unhelpful=0)]


def test_feedback_counts_once_per_answer_message(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    person = store.person(7)
    assert store.record_feedback(person, 10, "which-oil", False, at=5)
    assert not store.record_feedback(person, 10, "which-oil", True, at=6)
    assert store.record_feedback(person, 11, "which-oil", True, at=7)
    assert store.verdicts_since(0) == [Verdict("which-oil", helpful=1, unhelpful=1)]


def test_forget_removes_a_persons_questions_and_feedback_too(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.save(make(7))
    asked(store, 7, "my question")
    store.record_feedback(store.person(7), 10, "which-oil", False, at=5)
    kept = asked(store, 8, "someone else's")
    assert store.delete(7)
    assert store.questions_since(0) == [kept]
    assert store.verdicts_since(0) == []
    assert not store.delete(7)


def test_replies_per_day_add_up(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.add_replies([("2026-11-29", "faq", 3), ("2026-11-29", "fallback", 1)])
    store.add_replies([("2026-11-29", "faq", 2), ("2026-11-30", "faq", 1)])
    assert store.replies_per_day("2026-11-29") == [
        ("2026-11-29", "fallback", 1),
        ("2026-11-29", "faq", 5),
        ("2026-11-30", "faq", 1),
    ]
