"""The one place that touches the data folder: reminder subscriptions, the Telegram file_id
cache, and what the operator reviews (questions the bot could not answer, and 👍 / 👎 on
answers).

The store is synchronous on purpose. The bot's handlers and its delivery tick all run on one
asyncio event loop thread, every statement here is an indexed primary-key or range lookup that
takes well under a millisecond, and a synchronous store needs no thread hand-off (which would cost
more than the query) and cannot interleave two writes halfway through. The one slower call is the
batch claim of a whole tick, which is a single transaction over an index.

Durability: the file runs in WAL mode with ``synchronous=FULL`` and every write method commits
before it returns, so once a handler has stored a reminder and confirmed it, a ``kill -9`` (or a
power cut) cannot lose it.

Privacy: the folder is created 0700 and the database files 0600, since they hold chat ids.

One bot per data folder: ``Store.open`` holds an exclusive ``flock`` on the folder for as long as
the store is open, so a second process refuses to start with one line instead of sending every
reminder a second time. The operating system drops the lock when the process ends, however it
ends, so there is no lock file to go stale.

People in the review tables are a keyed hash of their chat id (HMAC-SHA256 with a secret made
once per install, ``secret.key`` beside the database, 0600), never the chat id or a name: the
operator can group a person's questions and ``/forget`` can find them, but a leaked database
names nobody. Questions and 👍 / 👎 are kept ``QUESTION_DAYS`` days.

The ``schema_version`` table records how many entries of ``MIGRATIONS`` have been applied; opening
an older file applies the rest in order, so later changes migrate the file instead of breaking it.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import os
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DATABASE_NAME = "footbot.sqlite3"
SECRET_NAME = "secret.key"
QUESTION_DAYS = 30
MAX_QUESTION_CHARS = 500

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE subscriptions (
        chat_id INTEGER PRIMARY KEY,
        local_time TEXT,
        zone TEXT NOT NULL,
        next_due_utc INTEGER,
        last_sent_local_date TEXT,
        snoozed_until_utc INTEGER
    );
    CREATE INDEX subscriptions_by_next_due ON subscriptions (next_due_utc)
        WHERE next_due_utc IS NOT NULL;
    CREATE TABLE telegram_files (
        key TEXT PRIMARY KEY,
        file_id TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE questions (
        asked_at INTEGER NOT NULL,
        person TEXT NOT NULL,
        reason TEXT NOT NULL,
        text TEXT NOT NULL,
        best_guess TEXT,
        confidence REAL NOT NULL
    );
    CREATE INDEX questions_by_time ON questions (asked_at);
    CREATE INDEX questions_by_person ON questions (person);
    CREATE TABLE feedback (
        person TEXT NOT NULL,
        message_id INTEGER NOT NULL,
        entry_id TEXT NOT NULL,
        helpful INTEGER NOT NULL,
        given_at INTEGER NOT NULL,
        PRIMARY KEY (person, message_id)
    );
    CREATE TABLE replies_per_day (
        day TEXT NOT NULL,
        kind TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (day, kind)
    );
    """,
)

_COLUMNS = "chat_id, local_time, zone, next_due_utc, last_sent_local_date, snoozed_until_utc"


@dataclass(frozen=True)
class Subscription:
    """Everything stored about one chat's reminder (and nothing else: never message text).

    ``local_time`` is "HH:MM" or None when only a zone has been chosen; ``next_due_utc`` (Unix
    seconds) is None while the reminder is off; ``snoozed_until_utc`` is set while the next due
    time is a snooze rather than the daily reminder.
    """

    chat_id: int
    local_time: str | None
    zone: str
    next_due_utc: int | None = None
    last_sent_local_date: str | None = None
    snoozed_until_utc: int | None = None


@dataclass(frozen=True)
class Question:
    """A message the bot could not answer well, as the operator reviews it.

    ``reason`` is "fallback", "unsure" (answered with low confidence) or "follow-up" (what a
    person said they were looking for after a 👎); ``best_guess`` is the entry the engine came
    closest to.
    """

    asked_at: int
    person: str
    reason: str
    text: str
    best_guess: str | None
    confidence: float


@dataclass(frozen=True)
class Verdict:
    """The 👍 / 👎 given to one entry's answers."""

    entry_id: str
    helpful: int
    unhelpful: int


class StorageError(Exception):
    """The database cannot be opened; the message is one line naming the file to fix."""


class Store:
    """A SQLite file holding reminder subscriptions and cached Telegram file_ids."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._folder_lock: int | None = None
        self._secret = b""
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(path, 0o600)
        self._db = sqlite3.connect(path, isolation_level=None)
        self._check_integrity()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._migrate()

    @classmethod
    def open(cls, data_dir: Path) -> Store:
        """Open (creating if needed) the bot's database inside ``data_dir``."""
        try:
            data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder_lock = _lock_folder(data_dir)
        except OSError as error:
            raise StorageError(
                f"cannot use the data folder {data_dir}: {error.strerror} (check FOOTBOT_DATA)"
            ) from error
        try:
            store = cls(data_dir / DATABASE_NAME)
        except (OSError, sqlite3.Error) as error:
            os.close(folder_lock)
            raise StorageError(
                f"cannot open the database in {data_dir}: {error} (check FOOTBOT_DATA)"
            ) from error
        store._folder_lock = folder_lock
        store._secret = _install_secret(data_dir)
        return store

    @classmethod
    def read_only(cls, data_dir: Path) -> Store:
        """Open the bot's database for reading only, without the folder lock, so a report
        (``footbot review``) can run beside the bot; it neither creates nor migrates the file."""
        path = data_dir / DATABASE_NAME
        try:
            if not path.is_file():
                raise StorageError(
                    f"no database in {data_dir}: the bot has not run there (check FOOTBOT_DATA)"
                )
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        except (OSError, sqlite3.Error) as error:
            raise StorageError(f"cannot read the database in {data_dir}: {error}") from error
        try:
            db.execute("PRAGMA busy_timeout=5000")
            version = int(db.execute("SELECT version FROM schema_version").fetchone()[0])
        except sqlite3.Error as error:
            db.close()
            raise StorageError(f"cannot read the database in {data_dir}: {error}") from error
        if version < len(MIGRATIONS):
            db.close()
            raise StorageError(
                f"the database in {data_dir} is older than this footbot: start the bot once"
            )
        store = cls.__new__(cls)
        store.path, store._db, store._folder_lock, store._secret = path, db, None, b""
        return store

    def close(self) -> None:
        self._db.close()
        if self._folder_lock is not None:
            os.close(self._folder_lock)
            self._folder_lock = None

    def _check_integrity(self) -> None:
        """A damaged file is refused at start, rather than failing every later /reminder."""
        verdict = self._db.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise sqlite3.DatabaseError(
                f"{self.path} is damaged ({verdict}); restore a backup or move it away"
            )

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def schema_version(self) -> int:
        row = self._db.execute("SELECT version FROM schema_version").fetchone()
        return int(row[0])

    def _migrate(self) -> None:
        with self._transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = db.execute("SELECT version FROM schema_version").fetchone()
            if row is None:
                db.execute("INSERT INTO schema_version (version) VALUES (0)")
                version = 0
            else:
                version = int(row[0])
            for script in MIGRATIONS[version:]:
                for statement in script.split(";"):
                    if statement.strip():
                        db.execute(statement)
            db.execute("UPDATE schema_version SET version = ?", (len(MIGRATIONS),))

    # Subscriptions -------------------------------------------------------------------------

    def subscription(self, chat_id: int) -> Subscription | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM subscriptions WHERE chat_id = ?", (chat_id,)
        ).fetchone()
        return None if row is None else Subscription(*row)

    def save(self, subscription: Subscription) -> None:
        """Upsert one chat's subscription; storing the same value twice changes nothing."""
        self.save_many([subscription])

    def save_many(self, subscriptions: Iterable[Subscription]) -> None:
        """Upsert many subscriptions in one committed transaction (a tick's claims, bulk loads)."""
        rows = [_row(s) for s in subscriptions]
        with self._transaction() as db:
            db.executemany(
                f"INSERT INTO subscriptions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (chat_id) DO UPDATE SET local_time = excluded.local_time, "
                "zone = excluded.zone, next_due_utc = excluded.next_due_utc, "
                "last_sent_local_date = excluded.last_sent_local_date, "
                "snoozed_until_utc = excluded.snoozed_until_utc",
                rows,
            )

    def replace_unchanged(self, changes: Iterable[tuple[Subscription, Subscription]]) -> int:
        """For each ``(expected, replacement)``, store the replacement only where the row still
        equals ``expected``, in one transaction; returns how many rows were replaced."""
        replaced = 0
        with self._transaction() as db:
            for expected, replacement in changes:
                cursor = db.execute(
                    "UPDATE subscriptions SET local_time = ?, zone = ?, next_due_utc = ?, "
                    "last_sent_local_date = ?, snoozed_until_utc = ? WHERE chat_id = ? "
                    "AND local_time IS ? AND zone IS ? AND next_due_utc IS ? "
                    "AND last_sent_local_date IS ? AND snoozed_until_utc IS ?",
                    (*_row(replacement)[1:], *_row(expected)),
                )
                replaced += cursor.rowcount
        return replaced

    def delete(self, chat_id: int) -> bool:
        """Remove everything stored about a chat; True if there was something to remove."""
        person = self.person(chat_id)
        with self._transaction() as db:
            removed = db.execute("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,))
            count = removed.rowcount
            for table in ("questions", "feedback"):
                count += db.execute(f"DELETE FROM {table} WHERE person = ?", (person,)).rowcount
        return count > 0

    def due(self, now_utc: int, limit: int) -> list[Subscription]:
        """Subscriptions whose next due time is at or before ``now_utc``, earliest first."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM subscriptions WHERE next_due_utc <= ? "
            "ORDER BY next_due_utc LIMIT ?",
            (now_utc, limit),
        ).fetchall()
        return [Subscription(*row) for row in rows]

    def count_active(self) -> int:
        row = self._db.execute(
            "SELECT COUNT(*) FROM subscriptions WHERE next_due_utc IS NOT NULL"
        ).fetchone()
        return int(row[0])

    # Review: questions, feedback, replies per day -------------------------------------------

    def person(self, chat_id: int) -> str:
        """The keyed hash that stands for a chat in the review tables."""
        return hmac.new(self._secret, str(chat_id).encode(), hashlib.sha256).hexdigest()[:32]

    def log_question(self, question: Question) -> None:
        with self._transaction() as db:
            db.execute(
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
        rows = self._db.execute(
            "SELECT asked_at, person, reason, text, best_guess, confidence FROM questions "
            "WHERE asked_at >= ? ORDER BY asked_at",
            (since,),
        ).fetchall()
        return [Question(*row) for row in rows]

    def forget_before(self, before: int) -> int:
        """Delete the questions and the 👍 / 👎 older than ``before``; how many rows went."""
        with self._transaction() as db:
            count = db.execute("DELETE FROM questions WHERE asked_at < ?", (before,)).rowcount
            count += db.execute("DELETE FROM feedback WHERE given_at < ?", (before,)).rowcount
        return count

    def record_feedback(
        self, person: str, message_id: int, entry_id: str, helpful: bool, at: int
    ) -> bool:
        """One verdict per answer message; False when it was already given (a second press)."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO feedback (person, message_id, entry_id, helpful, given_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (person, message_id) DO NOTHING",
                (person, message_id, entry_id, int(helpful), at),
            )
        return cursor.rowcount > 0

    def verdicts_since(self, since: int) -> list[Verdict]:
        """Per entry, the 👍 and 👎 given since then, most 👎 first."""
        rows = self._db.execute(
            "SELECT entry_id, SUM(helpful), SUM(1 - helpful) FROM feedback WHERE given_at >= ? "
            "GROUP BY entry_id ORDER BY SUM(1 - helpful) DESC, entry_id",
            (since,),
        ).fetchall()
        return [Verdict(entry, int(up), int(down)) for entry, up, down in rows]

    def add_replies(self, counts: Iterable[tuple[str, str, int]]) -> None:
        """Add ``(day, kind, count)`` to the daily reply counts, in one transaction."""
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO replies_per_day (day, kind, count) VALUES (?, ?, ?) "
                "ON CONFLICT (day, kind) DO UPDATE SET count = count + excluded.count",
                list(counts),
            )

    def replies_per_day(self, since_day: str) -> list[tuple[str, str, int]]:
        return [
            (day, kind, int(count))
            for day, kind, count in self._db.execute(
                "SELECT day, kind, count FROM replies_per_day WHERE day >= ? ORDER BY day, kind",
                (since_day,),
            )
        ]

    def writable(self) -> bool:
        """True when a write can be committed now (for the health check)."""
        try:
            with self._transaction() as db:
                db.execute("UPDATE schema_version SET version = version")
        except sqlite3.Error:
            return False
        return True

    # Telegram file_id cache ----------------------------------------------------------------

    def get_file_id(self, key: str) -> str | None:
        row = self._db.execute(
            "SELECT file_id FROM telegram_files WHERE key = ?", (key,)
        ).fetchone()
        return None if row is None else str(row[0])

    def set_file_id(self, key: str, file_id: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO telegram_files (key, file_id) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET file_id = excluded.file_id",
                (key, file_id),
            )


def _row(s: Subscription) -> tuple[int, str | None, str, int | None, str | None, int | None]:
    return (
        s.chat_id,
        s.local_time,
        s.zone,
        s.next_due_utc,
        s.last_sent_local_date,
        s.snoozed_until_utc,
    )


def _install_secret(data_dir: Path) -> bytes:
    """This install's key for ``Store.person``, made on first use and never shown."""
    path = data_dir / SECRET_NAME
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(descriptor, "wb") as file:
        file.write(secrets.token_bytes(32))
    return path.read_bytes()


def _lock_folder(data_dir: Path) -> int:
    """Hold an exclusive lock on the folder itself; raises if another process holds it."""
    descriptor = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise StorageError(
            f"another footbot is already running on {data_dir} (one bot per FOOTBOT_DATA)"
        ) from None
    return descriptor
