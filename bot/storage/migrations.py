"""One schema history for SQLite and PostgreSQL, applied in order at start-up.

The ``schema_version`` table records how many entries of ``MIGRATIONS`` have been applied;
opening an older database applies the rest in one transaction, so later changes migrate it
instead of breaking it. One history serves both databases, so they cannot drift apart: each
script is written in the SQL both understand, and the only words that differ are the types
``DIALECTS`` fills in (a chat id needs 64 bits, which SQLite's INTEGER always has and
PostgreSQL's does not; PostgreSQL's REAL would round a confidence of 0.2). Who may migrate, and
when, is each store's business (PostgreSQL migrates under an advisory lock, so replicas starting
together cannot race).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage.store import Transaction

DIALECTS: dict[str, dict[str, str]] = {
    "sqlite": {"bigint": "INTEGER", "double": "REAL"},
    "postgresql": {"bigint": "BIGINT", "double": "DOUBLE PRECISION"},
}

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE subscriptions (
        chat_id {bigint} PRIMARY KEY,
        local_time TEXT,
        zone TEXT NOT NULL,
        next_due_utc {bigint},
        last_sent_local_date TEXT,
        snoozed_until_utc {bigint}
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
        asked_at {bigint} NOT NULL,
        person TEXT NOT NULL,
        reason TEXT NOT NULL,
        text TEXT NOT NULL,
        best_guess TEXT,
        confidence {double} NOT NULL
    );
    CREATE INDEX questions_by_time ON questions (asked_at);
    CREATE INDEX questions_by_person ON questions (person);
    CREATE TABLE feedback (
        person TEXT NOT NULL,
        message_id {bigint} NOT NULL,
        entry_id TEXT NOT NULL,
        helpful INTEGER NOT NULL,
        given_at {bigint} NOT NULL,
        PRIMARY KEY (person, message_id)
    );
    CREATE TABLE replies_per_day (
        day TEXT NOT NULL,
        kind TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (day, kind)
    );
    """,
    """
    CREATE TABLE handled_updates (
        update_id {bigint} PRIMARY KEY,
        handled_at {bigint} NOT NULL
    );
    CREATE INDEX handled_updates_by_time ON handled_updates (handled_at);
    CREATE TABLE install (
        key_fingerprint TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE chat_languages (
        chat_id {bigint} PRIMARY KEY,
        language TEXT NOT NULL
    );
    """,
)


def latest_version() -> int:
    return len(MIGRATIONS)


def statements(script: str, dialect: str) -> list[str]:
    """The statements of one script, with the dialect's types filled in."""
    filled = script.format(**DIALECTS[dialect])
    return [statement.strip() for statement in filled.split(";") if statement.strip()]


def migrate(tx: Transaction, dialect: str) -> int:
    """Apply, inside the caller's transaction, the scripts the database has not had, and record
    the version reached (returned); a failed script leaves the database as it was."""
    tx.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    rows = tx.query("SELECT version FROM schema_version")
    if not rows:
        tx.execute("INSERT INTO schema_version (version) VALUES (0)")
    for script in MIGRATIONS[int(rows[0][0]) if rows else 0 :]:
        for statement in statements(script, dialect):
            tx.execute(statement)
    tx.execute("UPDATE schema_version SET version = ?", (len(MIGRATIONS),))
    return len(MIGRATIONS)
