"""The store, on SQLite and on PostgreSQL alike: durable upserts, due selection and claims,
schema migration, the file_id cache, the review's tables and the install's key. The SQLite
file's own guarantees (WAL, the folder lock, private files, a damaged file) come last."""

import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.storage import (
    DATABASE_NAME,
    SECRET_NAME,
    Question,
    SqliteStore,
    StorageError,
    Store,
    Subscription,
    Verdict,
    migrations,
)
from bot.storage.store import _install_secret

Opener = Callable[[Path], Store]


def make(chat_id: int, due: int | None = 100) -> Subscription:
    return Subscription(chat_id=chat_id, local_time="21:30", zone="Europe/Paris", next_due_utc=due)


@pytest.fixture(params=["sqlite", "postgresql"])
def open_store(request: pytest.FixtureRequest) -> Iterator[Opener]:
    """Opens the same database each time it is called (the data folder holds the key); every
    store it opened is closed after the test."""
    opened: list[Store] = []
    if request.param == "sqlite":

        def opener(data_dir: Path) -> Store:
            opened.append(SqliteStore.open(data_dir))
            return opened[-1]

    else:
        from bot.storage.postgres import PostgresStore

        url = request.getfixturevalue("database_url")

        def opener(data_dir: Path) -> Store:
            opened.append(PostgresStore.connect(url, data_dir))
            return opened[-1]

    yield opener
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Opener, tmp_path: Path) -> Store:
    return open_store(tmp_path)


# ----------------------------------------------------------------------------- subscriptions
def test_a_saved_subscription_survives_reopening(open_store: Opener, tmp_path: Path) -> None:
    first = open_store(tmp_path)
    first.save(make(42))
    first.close()
    assert open_store(tmp_path).subscription(42) == make(42)


def test_a_chat_id_beyond_32_bits_is_kept_exactly(store: Store) -> None:
    supergroup = -1001234567890
    store.save(make(supergroup, due=4_102_444_800))
    assert store.subscription(supergroup) == make(supergroup, due=4_102_444_800)


def test_replace_unchanged_leaves_a_row_the_person_changed_meanwhile(store: Store) -> None:
    claimed, original = make(1), replace(make(1), next_due_utc=1)
    store.save_many([claimed, replace(make(2), zone="Asia/Tokyo")])
    changed = replace(make(2), zone="Asia/Tokyo")
    replaced = store.replace_unchanged([(claimed, original), (make(2), make(2))])
    assert replaced == 1
    assert store.subscription(1) == original
    assert store.subscription(2) == changed


def test_replace_unchanged_matches_rows_with_empty_fields(store: Store) -> None:
    zone_only = Subscription(7, None, "UTC")
    store.save(zone_only)
    assert store.replace_unchanged([(zone_only, replace(zone_only, local_time="21:00"))]) == 1
    assert store.subscription(7) == replace(zone_only, local_time="21:00")


def test_saving_the_same_subscription_twice_keeps_one_row(store: Store) -> None:
    store.save(make(42))
    store.save(make(42))
    assert store.count_active() == 1


def test_saving_again_replaces_every_field(store: Store) -> None:
    store.save(make(42))
    changed = Subscription(42, "07:00", "UTC", None, "2025-01-01", None)
    store.save(changed)
    assert store.subscription(42) == changed


def test_due_returns_only_subscriptions_at_or_before_now_earliest_first(store: Store) -> None:
    store.save_many([make(1, 300), make(2, 100), make(3, 200), make(4, None)])
    assert [s.chat_id for s in store.due(200, limit=10)] == [2, 3]


def test_due_respects_the_limit(store: Store) -> None:
    store.save_many(make(i, i) for i in range(1, 11))
    assert [s.chat_id for s in store.due(100, limit=3)] == [1, 2, 3]


def test_claiming_stores_the_advanced_rows_and_returns_them_as_they_were(store: Store) -> None:
    store.save_many([make(1, 300), make(2, 100), make(3, 200)])
    taken = store.claim_due(250, 10, lambda s: replace(s, next_due_utc=1000, snoozed_until_utc=5))
    assert taken == [make(2, 100), make(3, 200)]
    assert store.subscription(2) == replace(make(2), next_due_utc=1000, snoozed_until_utc=5)
    assert store.due(999, limit=10) == [make(1, 300)]


def test_a_failed_claim_stores_nothing(store: Store) -> None:
    store.save(make(1, 100))

    def broken(subscription: Subscription) -> Subscription:
        raise RuntimeError("the plan failed")

    with pytest.raises(RuntimeError):
        store.claim_due(200, 10, broken)
    assert store.subscription(1) == make(1, 100)


def test_delete_removes_the_subscription_and_reports_whether_it_existed(store: Store) -> None:
    store.save(make(42))
    assert store.delete(42) is True
    assert store.subscription(42) is None
    assert store.delete(42) is False


def test_a_chats_language_is_kept_changed_and_forgotten_with_the_chat(store: Store) -> None:
    assert store.chat_language(7) is None
    store.set_chat_language(7, "fr")
    store.set_chat_language(8, "en")
    store.set_chat_language(7, "en")
    assert store.chat_languages([7, 8, 9]) == {7: "en", 8: "en"}
    assert store.delete(7)
    assert store.chat_language(7) is None
    assert store.chat_language(8) == "en"


def test_an_update_is_handled_once_and_forgotten_after_a_day(store: Store) -> None:
    assert store.first_delivery(5001, now_utc=1_000_000)
    assert not store.first_delivery(5001, now_utc=1_000_010)
    assert store.first_delivery(5001, now_utc=1_000_000 + 2 * 24 * 3600)


def test_a_working_store_is_writable_and_a_closed_one_is_not(
    open_store: Opener, tmp_path: Path
) -> None:
    store = open_store(tmp_path)
    assert store.writable()
    store.close()
    assert not store.writable()


async def test_async_code_reaches_the_store_through_its_worker_threads(store: Store) -> None:
    await store.call(Store.save, make(42))
    assert await store.call(Store.subscription, 42) == make(42)


# ----------------------------------------------------------------------------- migrations
def test_a_new_database_records_the_latest_schema_version(store: Store) -> None:
    assert store.schema_version() == len(migrations.MIGRATIONS)


def test_an_older_database_is_migrated_forward_without_losing_rows(
    open_store: Opener, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = open_store(tmp_path)
    first.save(make(42))
    first.close()
    later = "CREATE TABLE later_feature (id {bigint} PRIMARY KEY)"
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, later))
    migrated = open_store(tmp_path)
    assert migrated.schema_version() == len(migrations.MIGRATIONS)
    assert migrated.subscription(42) == make(42)
    assert migrated._read("SELECT * FROM later_feature") == []


def test_reopening_a_current_database_applies_no_migration_twice(
    open_store: Opener, tmp_path: Path
) -> None:
    open_store(tmp_path).close()
    assert open_store(tmp_path).schema_version() == len(migrations.MIGRATIONS)


# ----------------------------------------------------------------------------- file_id cache
def test_file_id_cache_round_trips_and_overwrites(store: Store) -> None:
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
    store = SqliteStore.open(tmp_path)
    person = store.person(123456789)
    assert person == store.person(123456789)
    assert "123456789" not in person
    store.close()
    other_install = SqliteStore.open(tmp_path / "elsewhere")
    assert other_install.person(123456789) != person
    assert stat.S_IMODE((tmp_path / SECRET_NAME).stat().st_mode) == 0o600
    other_install.close()


def test_replicas_starting_at_the_same_moment_share_one_whole_install_key(
    tmp_path: Path,
) -> None:
    together = threading.Barrier(8)
    keys: list[bytes] = []

    def start() -> None:
        together.wait()
        keys.append(_install_secret(tmp_path))

    starters = [threading.Thread(target=start) for _ in range(8)]
    for starter in starters:
        starter.start()
    for starter in starters:
        starter.join()
    assert len(keys) == 8
    assert len(set(keys)) == 1
    assert len(keys[0]) == 32
    assert [path.name for path in tmp_path.iterdir()] == [SECRET_NAME]


def test_a_store_started_with_another_key_is_refused_with_one_line(
    open_store: Opener, tmp_path: Path
) -> None:
    open_store(tmp_path).close()
    (tmp_path / SECRET_NAME).write_bytes(b"another install's key, 32 bytes!")
    with pytest.raises(StorageError, match="is not the key this database was started with"):
        open_store(tmp_path)


def test_questions_are_kept_cut_to_500_characters_and_can_be_aged_out(store: Store) -> None:
    asked(store, 1, "x" * 900, at=100)
    kept = asked(store, 2, "which lotion", at=200)
    store.record_feedback(store.person(1), 10, "which-oil", False, at=100)
    store.record_feedback(store.person(2), 11, "which-oil", True, at=200)
    assert [len(q.text) for q in store.questions_since(0)] == [500, len("which lotion")]
    assert store.forget_before(150) == 2
    assert store.questions_since(0) == [kept]
    assert store.verdicts_since(0) == [Verdict("which-oil", helpful=1, unhelpful=0)]


def test_feedback_counts_once_per_answer_message(store: Store) -> None:
    person = store.person(7)
    assert store.record_feedback(person, 10, "which-oil", False, at=5)
    assert not store.record_feedback(person, 10, "which-oil", True, at=6)
    assert store.record_feedback(person, 11, "which-oil", True, at=7)
    assert store.verdicts_since(0) == [Verdict("which-oil", helpful=1, unhelpful=1)]


def test_forget_removes_a_persons_questions_and_feedback_too(store: Store) -> None:
    store.save(make(7))
    asked(store, 7, "my question")
    store.record_feedback(store.person(7), 10, "which-oil", False, at=5)
    kept = asked(store, 8, "someone else's")
    assert store.delete(7)
    assert store.questions_since(0) == [kept]
    assert store.verdicts_since(0) == []
    assert not store.delete(7)


def test_replies_per_day_add_up(store: Store) -> None:
    store.add_replies([("2026-11-29", "faq", 3), ("2026-11-29", "fallback", 1)])
    store.add_replies([("2026-11-29", "faq", 2), ("2026-11-30", "faq", 1)])
    assert store.replies_per_day("2026-11-29") == [
        ("2026-11-29", "fallback", 1),
        ("2026-11-29", "faq", 5),
        ("2026-11-30", "faq", 1),
    ]


# ----------------------------------------------------------------------------- the SQLite file
def test_open_creates_the_database_in_the_data_dir(tmp_path: Path) -> None:
    store = SqliteStore.open(tmp_path / "data")
    assert store.path == tmp_path / "data" / DATABASE_NAME
    assert store.path.exists()
    store.close()


def test_store_open_is_the_sqlite_file_by_default(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    assert isinstance(store, SqliteStore)
    store.close()


def test_database_uses_write_ahead_logging(tmp_path: Path) -> None:
    SqliteStore.open(tmp_path).close()
    with sqlite3.connect(tmp_path / DATABASE_NAME) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_saved_data_is_visible_to_another_connection_immediately(tmp_path: Path) -> None:
    store = SqliteStore.open(tmp_path)
    store.save(make(42))
    other = SqliteStore(tmp_path / DATABASE_NAME)
    assert other.subscription(42) == make(42)
    other.close()
    store.close()


def test_a_second_bot_on_the_same_data_folder_is_refused_with_one_line(tmp_path: Path) -> None:
    first = SqliteStore.open(tmp_path)
    with pytest.raises(StorageError, match="another footbot is already running") as refused:
        SqliteStore.open(tmp_path)
    assert "\n" not in str(refused.value)
    first.close()
    SqliteStore.open(tmp_path).close()  # the lock ends with the store: nothing is left stale


def test_the_data_folder_and_database_are_private_to_the_bot_user(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    SqliteStore.open(folder).close()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in (DATABASE_NAME, f"{DATABASE_NAME}-wal"):
        path = folder / name
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_damaged_database_is_refused_at_start_with_the_file_to_fix(tmp_path: Path) -> None:
    store = SqliteStore.open(tmp_path)
    store.save_many(make(chat_id) for chat_id in range(2000))
    store.close()
    path = tmp_path / DATABASE_NAME
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    data[3 * page : 3 * page + 200] = b"\xff" * 200  # scribble over a b-tree page
    path.write_bytes(bytes(data))
    with pytest.raises(StorageError, match=r"damaged|malformed|not a database") as refused:
        SqliteStore.open(tmp_path)
    assert str(path.parent) in str(refused.value)
