"""The SQLite store: durable upserts, due selection, schema migration and the file_id cache."""

import sqlite3
from pathlib import Path

import pytest

from bot import storage
from bot.storage import Store, Subscription


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
    other = Store.open(tmp_path)
    assert other.subscription(42) == make(42)


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
    assert migrated.schema_version() == 2
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
