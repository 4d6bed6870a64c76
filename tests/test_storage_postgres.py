"""What several replicas need from the PostgreSQL store: claims that never overlap, one reminder
sender at a time, migrations that cannot race, the same schema as SQLite, and a one-line refusal
for a DATABASE_URL that cannot work."""

import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from bot.storage import SqliteStore, StorageError, Subscription, open_store
from bot.storage.migrations import latest_version
from bot.storage.postgres import PostgresStore
from tests.support.postgres import PostgresCluster


def make(chat_id: int, due: int = 100) -> Subscription:
    return Subscription(chat_id=chat_id, local_time="21:30", zone="UTC", next_due_utc=due)


def advance(subscription: Subscription) -> Subscription:
    return replace(subscription, next_due_utc=10_000)


@pytest.fixture
def replicas(database_url: str, tmp_path: Path) -> Iterator[tuple[PostgresStore, PostgresStore]]:
    """Two stores on one database, as two replicas sharing the data folder's key would be."""
    first = PostgresStore.connect(database_url, tmp_path)
    second = PostgresStore.connect(database_url, tmp_path)
    yield first, second
    first.close()
    second.close()


def test_database_url_selects_postgresql(database_url: str, tmp_path: Path) -> None:
    store = open_store(tmp_path, database_url)
    assert isinstance(store, PostgresStore)
    store.close()


def test_without_database_url_the_postgresql_driver_is_never_loaded(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; "
        "from bot.storage import open_store; import bot.telegram.app; "
        f"open_store(Path({str(tmp_path)!r}), None).close(); "
        "print(sorted(m for m in sys.modules if m.startswith('psycopg')))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://localhost/footbot", "DATABASE_URL must start with postgresql://"),
        ("postgresql://localhost:1/footbot?connect_timeout=2", "cannot use the database at"),
        ("postgresql://localhost/footbot?nonsense=1", "DATABASE_URL is not a usable URL"),
    ],
)
def test_a_database_url_that_cannot_work_is_one_line_naming_the_variable(
    url: str, expected: str, tmp_path: Path
) -> None:
    with pytest.raises(StorageError, match=expected) as refused:
        open_store(tmp_path, url)
    assert "\n" not in str(refused.value)
    assert "DATABASE_URL" in str(refused.value)


def test_two_replicas_starting_together_migrate_once(database_url: str, tmp_path: Path) -> None:
    opened: list[PostgresStore] = []
    problems: list[BaseException] = []

    def start() -> None:
        try:
            opened.append(PostgresStore.connect(database_url, tmp_path))
        except BaseException as problem:
            problems.append(problem)

    starters = [threading.Thread(target=start) for _ in range(4)]
    for starter in starters:
        starter.start()
    for starter in starters:
        starter.join()
    assert problems == []
    assert [store.schema_version() for store in opened] == [latest_version()] * 4
    assert opened[0]._read("SELECT COUNT(*) FROM schema_version") == [(1,)]
    for store in opened:
        store.close()


def test_the_review_reads_postgresql_beside_the_bot_and_cannot_write(
    database_url: str, tmp_path: Path
) -> None:
    bot = PostgresStore.connect(database_url, tmp_path)
    bot.add_replies([("2026-11-29", "faq", 3)])
    review = open_store(tmp_path, database_url, read_only=True)
    assert review.replies_per_day("2026-11-29") == [("2026-11-29", "faq", 3)]
    assert not review.writable()
    review.close()
    bot.close()


def _sqlite_schema(store: SqliteStore) -> set[tuple[str, str, str, bool]]:
    tables = [row[0] for row in store._read("SELECT name FROM sqlite_master WHERE type='table'")]
    return {
        (table, name, _kind(kind), bool(not_null or primary))
        for table in tables
        for _, name, kind, not_null, _, primary in store._read(f"PRAGMA table_info({table})")
    }


def _postgres_schema(store: PostgresStore) -> set[tuple[str, str, str, bool]]:
    rows = store._read(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'public'"
    )
    return {(table, name, _kind(kind), nullable == "NO") for table, name, kind, nullable in rows}


def _kind(declared: str) -> str:
    """The kind of value a column holds, in words both databases' type names map to."""
    declared = declared.upper()
    if "INT" in declared:
        return "integer"
    if declared in ("REAL", "DOUBLE PRECISION"):
        return "float"
    return "text"


def _indexes(names: list[tuple[str]]) -> set[str]:
    return {
        name for (name,) in names if not name.startswith(("sqlite_", "pg_")) and "pkey" not in name
    }


def test_both_databases_get_the_same_tables_columns_and_indexes(
    database_url: str, tmp_path: Path
) -> None:
    lite = SqliteStore.open(tmp_path / "sqlite")
    postgres = PostgresStore.connect(database_url, tmp_path / "postgresql")
    assert _sqlite_schema(lite) == _postgres_schema(postgres)
    assert _indexes(lite._read("SELECT name FROM sqlite_master WHERE type = 'index'")) == _indexes(
        postgres._read("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
    )
    lite.close()
    postgres.close()


def test_a_claim_skips_the_rows_another_transaction_is_claiming(
    replicas: tuple[PostgresStore, PostgresStore], database_url: str
) -> None:
    first, second = replicas
    first.save_many(make(chat_id) for chat_id in range(1, 11))
    with psycopg.connect(database_url) as other_replica:
        other_replica.execute(
            "SELECT chat_id FROM subscriptions WHERE chat_id <= 4 FOR UPDATE"
        ).fetchall()
        taken = second.claim_due(200, 100, advance)
        assert sorted(s.chat_id for s in taken) == list(range(5, 11))


def test_two_replicas_claiming_at_once_never_take_the_same_reminder(
    replicas: tuple[PostgresStore, PostgresStore],
) -> None:
    replicas[0].save_many(make(chat_id, due=chat_id % 60) for chat_id in range(2000))
    taken: Counter[int] = Counter()
    lock = threading.Lock()

    def claim_until_none_due(store: PostgresStore) -> None:
        while claimed := store.claim_due(100, 25, advance):
            with lock:
                taken.update(s.chat_id for s in claimed)

    workers = [threading.Thread(target=claim_until_none_due, args=(s,)) for s in replicas * 2]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(taken) == 2000
    assert max(taken.values()) == 1


def takes_over_within(store: PostgresStore, seconds: float) -> bool:
    """Ask as the delivery tick does (here every 50 ms): PostgreSQL frees a lock a moment after
    the connection that held it ends."""
    deadline = time.monotonic() + seconds
    while not store.may_send_reminders():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_one_replica_at_a_time_sends_reminders_and_another_takes_over_when_it_stops(
    replicas: tuple[PostgresStore, PostgresStore],
) -> None:
    first, second = replicas
    assert first.may_send_reminders()
    assert not second.may_send_reminders()
    assert first.may_send_reminders()  # still the sender on the next tick
    first.close()  # its connection ends, as it does when a process dies
    assert takes_over_within(second, seconds=2)


def test_the_sender_stops_sending_when_its_lock_connection_is_lost(
    replicas: tuple[PostgresStore, PostgresStore], postgres_cluster: PostgresCluster
) -> None:
    first, second = replicas
    assert first.may_send_reminders()
    with psycopg.connect(postgres_cluster.url(), autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks "
            "WHERE locktype = 'advisory' AND granted"
        )
    assert not first.may_send_reminders()  # its lock went with the connection
    assert takes_over_within(second, seconds=2)
    assert not first.may_send_reminders()
