"""The store on PostgreSQL, shared by several bot replicas (``DATABASE_URL=postgresql://…``).

Driver: psycopg 3 with psycopg-pool, the maintained successor of psycopg2, synchronous like the
store's interface (bot/storage/store.py says why the store is synchronous and how the event loop
reaches it). This module is imported only when ``DATABASE_URL`` selects PostgreSQL, so the
default SQLite bot never loads the driver.

What several replicas need from the database, each enforced here:
- Migrations run at start-up inside one transaction that first takes
  ``pg_advisory_xact_lock(MIGRATION_LOCK)``: two replicas starting together migrate one after the
  other, and the second finds nothing left to do.
- Claiming due reminders locks the rows it takes with ``FOR UPDATE SKIP LOCKED`` in the same
  transaction that stores their advanced due time, so two replicas claiming at once take
  disjoint rows, and a claim is committed before anything is sent (bot/reminders/claims.py).
- Only one replica sends reminders: the one holding the session-level advisory lock
  ``SENDER_LOCK`` on a connection of its own. Claims alone already make every reminder go to one
  replica; the single sender keeps the whole fleet under Telegram's 30 messages per second,
  which each replica's own pacing could not promise. The others try to take the lock on every
  delivery tick (each second). When the sender dies, however it dies, PostgreSQL sees its
  connection close and frees the lock, so another replica sends from its next tick on, within
  seconds; what the dead sender had claimed and not sent is lost, never sent twice.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import psycopg
from psycopg import conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from bot.storage.migrations import latest_version, migrate
from bot.storage.records import StorageError
from bot.storage.store import SELECT_DUE, Params, Row, Store, Transaction

# Advisory lock keys: any two numbers no other application on the database uses.
MIGRATION_LOCK = 0x466F_6F74_0001
SENDER_LOCK = 0x466F_6F74_0002
POOL_SIZE = 4
CONNECT_SECONDS = 5.0


@lru_cache(maxsize=128)
def _sql(statement: str) -> str:
    """The store's ``?`` placeholders as psycopg's ``%s``."""
    return statement.replace("?", "%s")


class _PostgresTransaction:
    def __init__(self, cursor: psycopg.Cursor[Row]) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Params = ()) -> int:
        return self._cursor.execute(_sql(sql), params).rowcount

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        self._cursor.executemany(_sql(sql), list(rows))

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        return self._cursor.execute(_sql(sql), params).fetchall()


class PostgresStore(Store):
    dialect = "postgresql"
    worker_threads = POOL_SIZE
    shared = True

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        super().__init__()
        self._url = url
        options = "-c default_transaction_read_only=on" if read_only else None
        self._pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
            url,
            kwargs={"options": options} if options else None,
            min_size=1,
            max_size=POOL_SIZE,
            timeout=CONNECT_SECONDS,
            open=False,
            name="footbot",
        )
        self._sender: psycopg.Connection[Row] | None = None
        self._sending = False
        self._sender_lock = threading.Lock()

    @classmethod
    def connect(cls, url: str, data_dir: Path, *, read_only: bool = False) -> PostgresStore:
        """Connect, migrate under the migration lock, and check the install's key; every
        problem is a ``StorageError`` of one line naming DATABASE_URL."""
        _check_url(url)
        store = cls(url, read_only=read_only)
        try:
            # One plain connection first: an unreachable server fails at once, with its reason.
            version = store._migrate(read_only)
            if version < latest_version():
                raise StorageError(
                    "the database at DATABASE_URL is older than this footbot: start the bot once"
                )
            store._pool.open(wait=True, timeout=CONNECT_SECONDS)
            if read_only:
                store.data_dir = data_dir
            else:
                store._start(data_dir)
        except (psycopg.Error, PoolTimeout) as error:
            store.close()
            raise StorageError(
                f"cannot use the database at DATABASE_URL: {_one_line(error)}"
            ) from None
        except StorageError:
            store.close()
            raise
        return store

    def _close_connections(self) -> None:
        self._pool.close()
        with self._sender_lock:
            if self._sender is not None:
                self._sender.close()
                self._sender = None

    @contextmanager
    def _transaction(self) -> Iterator[Transaction]:
        with self._pool.connection() as connection, connection.cursor() as cursor:
            yield _PostgresTransaction(cursor)

    def _read(self, sql: str, params: Params = ()) -> list[Row]:
        with self._pool.connection() as connection:
            return connection.execute(_sql(sql), params).fetchall()

    def _lock_due(self, tx: Transaction, now_utc: int, limit: int) -> list[Row]:
        return tx.query(f"{SELECT_DUE} LIMIT ? FOR UPDATE SKIP LOCKED", (now_utc, limit))

    def may_send_reminders(self) -> bool:
        """True while this process holds ``SENDER_LOCK``; otherwise tries to take it.

        The lock belongs to a connection of its own, kept open for as long as this process
        sends: a cheap query on every call notices a connection that was lost (and with it the
        lock), so this process stops sending until it holds the lock again.
        """
        with self._sender_lock:
            try:
                if self._sender is None:
                    self._sender = psycopg.connect(
                        self._url, autocommit=True, connect_timeout=int(CONNECT_SECONDS)
                    )
                    self._sending = False
                if self._sending:
                    self._sender.execute("SELECT 1")
                else:
                    row = self._sender.execute(
                        "SELECT pg_try_advisory_lock(%s)", (SENDER_LOCK,)
                    ).fetchone()
                    self._sending = bool(row and row[0])
            except psycopg.Error:
                if self._sender is not None:
                    self._sender.close()
                self._sender, self._sending = None, False
            return self._sending

    def _migrate(self, read_only: bool) -> int:
        """Apply what is missing (nothing when ``read_only``); the schema version reached."""
        with (
            psycopg.connect(self._url, connect_timeout=int(CONNECT_SECONDS)) as connection,
            connection.cursor() as cursor,
        ):
            tx = _PostgresTransaction(cursor)
            if read_only:
                rows = tx.query("SELECT version FROM schema_version")
                return int(rows[0][0]) if rows else 0
            tx.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
            return migrate(tx, self.dialect)


def _check_url(url: str) -> None:
    if not url.startswith(("postgresql://", "postgres://")):
        raise StorageError("DATABASE_URL must start with postgresql:// (unset it for SQLite)")
    try:
        conninfo.conninfo_to_dict(url)
    except psycopg.Error as error:
        raise StorageError(f"DATABASE_URL is not a usable URL: {_one_line(error)}") from None


def _one_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__
