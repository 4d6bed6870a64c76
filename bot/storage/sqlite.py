"""The default store: one SQLite file in the data folder, for a single bot process.

The file runs in WAL mode with ``synchronous=FULL``, so a committed write survives a power cut.
The folder is created 0700 and the database files 0600, since they hold chat ids, and the file
is checked with ``PRAGMA quick_check`` when it is opened, so a damaged file is refused at start
rather than failing every later /reminder.

One bot per data folder: ``SqliteStore.open`` holds an exclusive ``flock`` on the folder for as
long as the store is open, so a second process refuses to start with one line instead of sending
every reminder a second time. The operating system drops the lock when the process ends, however
it ends, so there is no lock file to go stale. That lock also makes this process the only
reminder sender, and a claim needs nothing more than SQLite's own write lock.

One connection serves the whole process. The bot uses it from the store's single worker thread
(``Store.call``), tests and commands from their own thread; a lock makes each method whole, so the
two never interleave inside a transaction.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.storage.migrations import latest_version, migrate
from bot.storage.records import StorageError
from bot.storage.store import SELECT_DUE, Params, Row, Store, Transaction

DATABASE_NAME = "footbot.sqlite3"


class _SqliteTransaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def execute(self, sql: str, params: Params = ()) -> int:
        return self._db.execute(sql, params).rowcount

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        self._db.executemany(sql, rows)

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        return self._db.execute(sql, params).fetchall()


class SqliteStore(Store):
    dialect = "sqlite"

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        super().__init__()
        self.path = path
        self.data_dir = path.parent
        self._folder_lock: int | None = None
        self._lock = threading.RLock()
        if read_only:
            uri = f"{path.resolve().as_uri()}?mode=ro"
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._db.execute("PRAGMA busy_timeout=5000")
            return
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(path, 0o600)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._check_integrity()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._migrate()

    @classmethod
    def open(cls, data_dir: Path) -> SqliteStore:
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
            store._folder_lock = folder_lock
            store._start(data_dir)
        except (OSError, sqlite3.Error) as error:
            os.close(folder_lock)
            raise StorageError(
                f"cannot open the database in {data_dir}: {error} (check FOOTBOT_DATA)"
            ) from error
        except StorageError:
            store.close()
            raise
        return store

    @classmethod
    def read_only(cls, data_dir: Path) -> SqliteStore:
        """Open the bot's database for reading only, without the folder lock, so a report
        (``footbot review``) can run beside the bot; it neither creates nor migrates the file."""
        path = data_dir / DATABASE_NAME
        if not path.is_file():
            raise StorageError(
                f"no database in {data_dir}: the bot has not run there (check FOOTBOT_DATA)"
            )
        try:
            store = cls(path, read_only=True)
        except (OSError, sqlite3.Error) as error:
            raise StorageError(f"cannot read the database in {data_dir}: {error}") from error
        try:
            version = store.schema_version()
        except sqlite3.Error as error:
            store.close()
            raise StorageError(f"cannot read the database in {data_dir}: {error}") from error
        if version < latest_version():
            store.close()
            raise StorageError(
                f"the database in {data_dir} is older than this footbot: start the bot once"
            )
        return store

    def _close_connections(self) -> None:
        self._db.close()
        if self._folder_lock is not None:
            os.close(self._folder_lock)
            self._folder_lock = None

    def _check_integrity(self) -> None:
        verdict = self._db.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise sqlite3.DatabaseError(
                f"{self.path} is damaged ({verdict}); restore a backup or move it away"
            )

    @contextmanager
    def _transaction(self) -> Iterator[Transaction]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTransaction(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, params: Params = ()) -> list[Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _lock_due(self, tx: Transaction, now_utc: int, limit: int) -> list[Row]:
        """``BEGIN IMMEDIATE`` already holds the file's only write lock."""
        return tx.query(f"{SELECT_DUE} LIMIT ?", (now_utc, limit))

    def may_send_reminders(self) -> bool:
        """Always: the folder lock makes this the only process on the file."""
        return True

    def _migrate(self) -> None:
        with self._transaction() as tx:
            migrate(tx, self.dialect)


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
