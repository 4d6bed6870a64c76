"""The store's one interface, its queries, and the one way async code reaches it.

Two databases sit behind ``Store``: a SQLite file (bot/storage/sqlite.py, the default, needing
nothing but Python) and PostgreSQL (bot/storage/postgres.py, shared by several replicas). Every
query is written once, here, in the SQL both understand (``?`` placeholders, ``IS NOT DISTINCT
FROM``, ``ON CONFLICT``); a subclass supplies only connections and transactions, and the two
things the databases do differently: claiming due reminders, and deciding who sends them.

The store's methods are synchronous and may block (a PostgreSQL round trip, a SQLite fsync), so
the bot's event loop never calls them directly: ``await store.call(Store.method, *args)`` runs
one on the store's own worker threads. That is the one place where async code crosses into the
database. SQLite gets one worker thread (its connection is used by one thread at a time, and
SQLite writes one transaction at a time anyway); PostgreSQL gets as many as its pool has
connections. Tests, benchmarks and commands that have no event loop call the methods directly.

Durability: every write method commits before it returns, so once a handler has stored a
reminder and confirmed it, a ``kill -9`` (or a power cut) cannot lose it.

People in the review tables are a keyed hash of their chat id (HMAC-SHA256 with a secret made
once per install, ``secret.key`` in the data folder, 0600), never the chat id or a name: the
operator can group a person's questions and ``/forget`` can find them, but a leaked database
names nobody. The database records the key's fingerprint (never the key), so a replica started
with another key, which could no longer find anyone's rows, refuses to start instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, Protocol, TypeVar

from bot.storage.records import MAX_QUESTION_CHARS, Question, StorageError, Subscription, Verdict

if TYPE_CHECKING:
    from bot.storage.sqlite import SqliteStore

SECRET_NAME = "secret.key"
# How long a handled update id is remembered: Telegram gives up redelivering long before.
HANDLED_UPDATE_SECONDS = 24 * 60 * 60

COLUMNS = "chat_id, local_time, zone, next_due_utc, last_sent_local_date, snoozed_until_utc"
UPSERT = (
    f"INSERT INTO subscriptions ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (chat_id) DO UPDATE SET local_time = excluded.local_time, "
    "zone = excluded.zone, next_due_utc = excluded.next_due_utc, "
    "last_sent_local_date = excluded.last_sent_local_date, "
    "snoozed_until_utc = excluded.snoozed_until_utc"
)
SELECT_DUE = f"SELECT {COLUMNS} FROM subscriptions WHERE next_due_utc <= ? ORDER BY next_due_utc"
UPDATE_CLAIMED = (
    "UPDATE subscriptions SET next_due_utc = ?, last_sent_local_date = ?, "
    "snoozed_until_utc = ? WHERE chat_id = ?"
)

Row = tuple[Any, ...]
Params = Sequence[Any]
P = ParamSpec("P")
T = TypeVar("T")


class Transaction(Protocol):
    """The statements of one transaction; it commits when the ``with`` block ends."""

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; how many rows it changed."""

    def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...

    def query(self, sql: str, params: Params = ()) -> list[Row]: ...


class Store(ABC):
    """Reminder subscriptions, the Telegram file_id cache and the review's tables."""

    dialect: str
    data_dir: Path
    worker_threads = 1
    # Whether other processes write this database too (replicas): what this one read may change
    # under it, so it must not keep copies in memory.
    shared = False

    def __init__(self) -> None:
        self._secret = b""
        self._workers: ThreadPoolExecutor | None = None

    # What a database supplies ----------------------------------------------------------------

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[Transaction]:
        """A transaction that takes the write lock at once and commits when the block ends."""

    @abstractmethod
    def _read(self, sql: str, params: Params = ()) -> list[Row]:
        """Rows of one query, outside any transaction."""

    @abstractmethod
    def _lock_due(self, tx: Transaction, now_utc: int, limit: int) -> list[Row]:
        """Inside ``tx``, the due rows (earliest first) that no other transaction can claim."""

    @abstractmethod
    def may_send_reminders(self) -> bool:
        """Whether this process is the one that sends reminders now; asked on every tick."""

    @abstractmethod
    def _close_connections(self) -> None:
        """Close what the subclass opened."""

    # Opening, closing and the async crossing ------------------------------------------------

    @staticmethod
    def open(data_dir: Path) -> SqliteStore:
        """The default store: the SQLite file in ``data_dir`` (see bot/storage/sqlite.py)."""
        from bot.storage.sqlite import SqliteStore

        return SqliteStore.open(data_dir)

    @staticmethod
    def read_only(data_dir: Path) -> SqliteStore:
        """The SQLite file in ``data_dir``, for reading beside the running bot."""
        from bot.storage.sqlite import SqliteStore

        return SqliteStore.read_only(data_dir)

    async def call(
        self, method: Callable[Concatenate[Store, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``method(self, *args)`` on a worker thread: how async code uses the store.

        ``method`` is a ``Store`` method, which runs as this store's own (an override in the
        subclass wins), or a function that takes the store first (``claims.claim_due``).
        """
        if self._workers is None:
            self._workers = ThreadPoolExecutor(self.worker_threads, thread_name_prefix="store")
        name = getattr(method, "__name__", "")
        own = getattr(self, name) if getattr(Store, name, None) is method else None
        loop = asyncio.get_running_loop()
        if own is not None:
            return await loop.run_in_executor(self._workers, lambda: own(*args, **kwargs))
        return await loop.run_in_executor(self._workers, lambda: method(self, *args, **kwargs))

    def close(self) -> None:
        if self._workers is not None:
            self._workers.shutdown(wait=True)
            self._workers = None
        self._close_connections()

    def _start(self, data_dir: Path) -> None:
        """What every opening does once connected and migrated: check the install's key."""
        self.data_dir = data_dir
        self._secret = _install_secret(data_dir)
        self._check_key()

    def _check_key(self) -> None:
        fingerprint = hmac.new(self._secret, b"footbot install", hashlib.sha256).hexdigest()
        with self._transaction() as tx:
            rows = tx.query("SELECT key_fingerprint FROM install")
            if not rows:
                tx.execute("INSERT INTO install (key_fingerprint) VALUES (?)", (fingerprint,))
            elif rows[0][0] != fingerprint:
                raise StorageError(
                    f"{self.data_dir / SECRET_NAME} is not the key this database was started"
                    " with: copy the first install's secret.key there (every replica needs it)"
                )

    def schema_version(self) -> int:
        return int(self._read("SELECT version FROM schema_version")[0][0])

    # Subscriptions ---------------------------------------------------------------------------

    def subscription(self, chat_id: int) -> Subscription | None:
        rows = self._read(f"SELECT {COLUMNS} FROM subscriptions WHERE chat_id = ?", (chat_id,))
        return Subscription(*rows[0]) if rows else None

    def save(self, subscription: Subscription) -> None:
        """Upsert one chat's subscription; storing the same value twice changes nothing."""
        self.save_many([subscription])

    def save_many(self, subscriptions: Iterable[Subscription]) -> None:
        """Upsert many subscriptions in one committed transaction (bulk loads)."""
        rows = [s.row() for s in subscriptions]
        with self._transaction() as tx:
            tx.executemany(UPSERT, rows)

    def claim_due(
        self, now_utc: int, limit: int, advance: Callable[[Subscription], Subscription]
    ) -> list[Subscription]:
        """In one transaction: take up to ``limit`` due subscriptions, earliest first, that no
        other process is claiming, store ``advance(subscription)`` for each, and commit; returns
        the subscriptions as they were. Two processes claiming at once never get the same one.
        """
        with self._transaction() as tx:
            taken = [Subscription(*row) for row in self._lock_due(tx, now_utc, limit)]
            advanced = [advance(subscription) for subscription in taken]
            tx.executemany(
                UPDATE_CLAIMED,
                [
                    (s.next_due_utc, s.last_sent_local_date, s.snoozed_until_utc, s.chat_id)
                    for s in advanced
                ],
            )
        return taken

    def replace_unchanged(self, changes: Iterable[tuple[Subscription, Subscription]]) -> int:
        """For each ``(expected, replacement)``, store the replacement only where the row still
        equals ``expected``, in one transaction; returns how many rows were replaced."""
        replaced = 0
        with self._transaction() as tx:
            for expected, replacement in changes:
                replaced += tx.execute(
                    "UPDATE subscriptions SET local_time = ?, zone = ?, next_due_utc = ?, "
                    "last_sent_local_date = ?, snoozed_until_utc = ? WHERE chat_id = ? "
                    "AND local_time IS NOT DISTINCT FROM ? AND zone = ? "
                    "AND next_due_utc IS NOT DISTINCT FROM ? "
                    "AND last_sent_local_date IS NOT DISTINCT FROM ? "
                    "AND snoozed_until_utc IS NOT DISTINCT FROM ?",
                    (*replacement.row()[1:], *expected.row()),
                )
        return replaced

    def delete(self, chat_id: int) -> bool:
        """Remove everything stored about a chat; True if there was something to remove."""
        person = self.person(chat_id)
        with self._transaction() as tx:
            count = tx.execute("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,))
            count += tx.execute("DELETE FROM chat_languages WHERE chat_id = ?", (chat_id,))
            count += tx.execute("DELETE FROM questions WHERE person = ?", (person,))
            count += tx.execute("DELETE FROM feedback WHERE person = ?", (person,))
        return count > 0

    def due(self, now_utc: int, limit: int) -> list[Subscription]:
        """Subscriptions whose next due time is at or before ``now_utc``, earliest first."""
        rows = self._read(f"{SELECT_DUE} LIMIT ?", (now_utc, limit))
        return [Subscription(*row) for row in rows]

    def count_active(self) -> int:
        rows = self._read("SELECT COUNT(*) FROM subscriptions WHERE next_due_utc IS NOT NULL")
        return int(rows[0][0])

    # Chat languages ------------------------------------------------------------------------

    def chat_language(self, chat_id: int) -> str | None:
        """The language code a chat last spoke or chose, if any."""
        rows = self._read("SELECT language FROM chat_languages WHERE chat_id = ?", (chat_id,))
        return str(rows[0][0]) if rows else None

    def chat_languages(self, chat_ids: Sequence[int]) -> dict[int, str]:
        """The language codes of many chats at once (those that have one)."""
        if not chat_ids:
            return {}
        marks = ", ".join("?" * len(chat_ids))
        rows = self._read(
            f"SELECT chat_id, language FROM chat_languages WHERE chat_id IN ({marks})",
            tuple(chat_ids),
        )
        return {int(chat_id): str(language) for chat_id, language in rows}

    def set_chat_language(self, chat_id: int, language: str) -> None:
        with self._transaction() as tx:
            tx.execute(
                "INSERT INTO chat_languages (chat_id, language) VALUES (?, ?) "
                "ON CONFLICT (chat_id) DO UPDATE SET language = excluded.language",
                (chat_id, language),
            )

    # Updates Telegram may deliver twice --------------------------------------------------------

    def first_delivery(self, update_id: int, now_utc: int) -> bool:
        """Record an update as handled; False when some process already handled it.

        Ids older than ``HANDLED_UPDATE_SECONDS`` are forgotten on the way.
        """
        with self._transaction() as tx:
            tx.execute(
                "DELETE FROM handled_updates WHERE handled_at < ?",
                (now_utc - HANDLED_UPDATE_SECONDS,),
            )
            return (
                tx.execute(
                    "INSERT INTO handled_updates (update_id, handled_at) VALUES (?, ?) "
                    "ON CONFLICT (update_id) DO NOTHING",
                    (update_id, now_utc),
                )
                > 0
            )

    # Review: questions, feedback, replies per day ---------------------------------------------

    def person(self, chat_id: int) -> str:
        """The keyed hash that stands for a chat in the review tables (no database call)."""
        return hmac.new(self._secret, str(chat_id).encode(), hashlib.sha256).hexdigest()[:32]

    def log_question(self, question: Question) -> None:
        with self._transaction() as tx:
            tx.execute(
                "INSERT INTO questions (asked_at, person, reason, text, best_guess, confidence) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    question.asked_at,
                    question.person,
                    question.reason,
                    question.text[:MAX_QUESTION_CHARS],
                    question.best_guess,
                    question.confidence,
                ),
            )

    def questions_since(self, since: int) -> list[Question]:
        rows = self._read(
            "SELECT asked_at, person, reason, text, best_guess, confidence FROM questions "
            "WHERE asked_at >= ? ORDER BY asked_at",
            (since,),
        )
        return [Question(*row) for row in rows]

    def forget_before(self, before: int) -> int:
        """Delete the questions and the 👍 / 👎 older than ``before``; how many rows went."""
        with self._transaction() as tx:
            count = tx.execute("DELETE FROM questions WHERE asked_at < ?", (before,))
            count += tx.execute("DELETE FROM feedback WHERE given_at < ?", (before,))
        return count

    def record_feedback(
        self, person: str, message_id: int, entry_id: str, helpful: bool, at: int
    ) -> bool:
        """One verdict per answer message; False when it was already given (a second press)."""
        with self._transaction() as tx:
            added = tx.execute(
                "INSERT INTO feedback (person, message_id, entry_id, helpful, given_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (person, message_id) DO NOTHING",
                (person, message_id, entry_id, int(helpful), at),
            )
        return added > 0

    def verdicts_since(self, since: int) -> list[Verdict]:
        """Per entry, the 👍 and 👎 given since then, most 👎 first."""
        rows = self._read(
            "SELECT entry_id, SUM(helpful), SUM(1 - helpful) FROM feedback WHERE given_at >= ? "
            "GROUP BY entry_id ORDER BY SUM(1 - helpful) DESC, entry_id",
            (since,),
        )
        return [Verdict(entry, int(up), int(down)) for entry, up, down in rows]

    def add_replies(self, counts: Iterable[tuple[str, str, int]]) -> None:
        """Add ``(day, kind, count)`` to the daily reply counts, in one transaction."""
        with self._transaction() as tx:
            tx.executemany(
                "INSERT INTO replies_per_day (day, kind, count) VALUES (?, ?, ?) "
                "ON CONFLICT (day, kind) DO UPDATE "
                "SET count = replies_per_day.count + excluded.count",
                list(counts),
            )

    def replies_per_day(self, since_day: str) -> list[tuple[str, str, int]]:
        rows = self._read(
            "SELECT day, kind, count FROM replies_per_day WHERE day >= ? ORDER BY day, kind",
            (since_day,),
        )
        return [(day, kind, int(count)) for day, kind, count in rows]

    def writable(self) -> bool:
        """True when a write can be committed now (for the health check)."""
        try:
            with self._transaction() as tx:
                tx.execute("UPDATE schema_version SET version = version")
        except Exception:  # any driver's error, or a closed store: not writable
            return False
        return True

    # Telegram file_id cache ----------------------------------------------------------------

    def get_file_id(self, key: str) -> str | None:
        rows = self._read("SELECT file_id FROM telegram_files WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_file_id(self, key: str, file_id: str) -> None:
        with self._transaction() as tx:
            tx.execute(
                "INSERT INTO telegram_files (key, file_id) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET file_id = excluded.file_id",
                (key, file_id),
            )


def _install_secret(data_dir: Path) -> bytes:
    """This install's key for ``Store.person``, made on first use and never shown.

    The key is written whole beside its place and then linked in, which fails if a key is
    already there: replicas starting at the same moment all read the one key that won, never a
    file still being written."""
    path = data_dir / SECRET_NAME
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".secret-", delete=False) as new:
                new.write(secrets.token_bytes(32))  # mkstemp: readable by this user only
            try:
                os.link(new.name, path)
            except FileExistsError:
                pass
            finally:
                os.unlink(new.name)
        return path.read_bytes()
    except OSError as error:
        raise StorageError(
            f"cannot use the data folder {data_dir}: {error.strerror} (check FOOTBOT_DATA)"
        ) from error
