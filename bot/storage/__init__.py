"""The only package that touches the database: reminder subscriptions, the Telegram file_id
cache, and what the operator reviews (questions the bot could not answer, and 👍 / 👎).

``open_store(data_dir, database_url)`` picks the database: the SQLite file in ``FOOTBOT_DATA``
by default (bot/storage/sqlite.py), or PostgreSQL when ``DATABASE_URL`` is set
(bot/storage/postgres.py), for several replicas sharing one database. Both sit behind one
interface, ``Store`` (bot/storage/store.py), and one schema history (bot/storage/migrations.py).
"""

from pathlib import Path

from bot.storage.records import (
    MAX_QUESTION_CHARS,
    QUESTION_DAYS,
    Question,
    StorageError,
    Subscription,
    Verdict,
)
from bot.storage.sqlite import DATABASE_NAME, SqliteStore
from bot.storage.store import SECRET_NAME, Store

__all__ = [
    "DATABASE_NAME",
    "MAX_QUESTION_CHARS",
    "QUESTION_DAYS",
    "SECRET_NAME",
    "Question",
    "SqliteStore",
    "StorageError",
    "Store",
    "Subscription",
    "Verdict",
    "open_store",
]


def open_store(data_dir: Path, database_url: str | None, *, read_only: bool = False) -> Store:
    """PostgreSQL at ``database_url`` if given, else the SQLite file in ``data_dir``;
    ``read_only`` for reports that run beside the bot.

    The PostgreSQL driver is imported only here, when ``DATABASE_URL`` asks for it.
    """
    if database_url:
        from bot.storage.postgres import PostgresStore

        return PostgresStore.connect(database_url, data_dir, read_only=read_only)
    if read_only:
        return SqliteStore.read_only(data_dir)
    return SqliteStore.open(data_dir)
