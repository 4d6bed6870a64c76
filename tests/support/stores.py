"""Every store the tests open comes from here, so that one switch moves the whole suite from
SQLite to PostgreSQL: ``FOOTBOT_TEST_STORE=postgresql`` (the default is ``sqlite``).

On PostgreSQL each data folder a test uses gets an empty database of its own in the session's
throwaway cluster (tests/support/postgres.py), made the first time the folder is used. Opening
the same folder again, as a restart does, finds the same rows, as the SQLite file in that folder
would; the bot processes a test starts get that database through ``environment``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import psycopg
from psycopg import sql

from bot.storage import DATABASE_NAME, Store, open_store
from tests.support.postgres import PostgresCluster

STORE_VARIABLE = "FOOTBOT_TEST_STORE"
STORE_CHOICES = ("sqlite", "postgresql")


def chosen_store(environ: Mapping[str, str] = os.environ) -> str:
    """``sqlite`` or ``postgresql``, from ``FOOTBOT_TEST_STORE``; anything else is an error."""
    choice = environ.get(STORE_VARIABLE, "").strip().lower() or STORE_CHOICES[0]
    if choice not in STORE_CHOICES:
        raise ValueError(f"{STORE_VARIABLE}={choice!r}: expected one of {STORE_CHOICES}")
    return choice


class Stores:
    """The stores of one test: SQLite files, or PostgreSQL databases of ``cluster``. ``close()``
    closes every store opened here and drops the test's databases."""

    def __init__(self, cluster: PostgresCluster | None) -> None:
        self._cluster = cluster
        self._urls: dict[Path, str] = {}
        self._opened: list[Store] = []

    def database_url(self, data_dir: Path) -> str | None:
        """The DATABASE_URL for ``data_dir``: None on SQLite."""
        if self._cluster is None:
            return None
        folder = data_dir.resolve()
        if folder not in self._urls:
            self._urls[folder] = self._cluster.new_database()
        return self._urls[folder]

    def open(self, data_dir: Path) -> Store:
        """The store the bot would open with this data folder."""
        store = open_store(data_dir, self.database_url(data_dir))
        self._opened.append(store)
        return store

    def environment(self, data_dir: Path) -> dict[str, str]:
        """The variables that point a bot process (or ``footbot review``) at the same store."""
        return {"FOOTBOT_DATA": str(data_dir), "DATABASE_URL": self.database_url(data_dir) or ""}

    def stored_bytes(self, data_dir: Path) -> bytes:
        """Everything the database holds: the SQLite files (write-ahead log included), or every
        value of every table."""
        url = self.database_url(data_dir)
        if url is None:
            return b"".join(path.read_bytes() for path in data_dir.glob(f"{DATABASE_NAME}*"))
        with psycopg.connect(url) as db:
            listed = db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            tables = [row[0] for row in listed]
            rows = [
                row
                for table in tables
                for row in db.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table)))
            ]
        return b"".join(str(value).encode() for row in rows for value in row)

    def close(self) -> None:
        for store in self._opened:
            store.close()
        if self._cluster is not None:
            for url in self._urls.values():
                self._cluster.drop_database(url)
