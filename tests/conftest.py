"""Shared fixtures: the bundled knowledge, loaded once per test session, ``evaluate_corpus``,
which scores a corpus split on every core, the fake Bot API and the bot polling it (each module
may name its own ``bot_token``), the log check, a throwaway PostgreSQL cluster with an empty
database per test (``database_url``), and ``stores``, where every other test opens its stores
(SQLite, or PostgreSQL with ``FOOTBOT_TEST_STORE=postgresql``: see tests/support/stores.py).

Importing ``bot.telegram`` first gives every test the bot's own python-telegram-bot settings
(its opt-in to timedelta durations), whatever the test imports itself.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import bot.telegram  # noqa: F401
from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.engine import Engine
from tests.support.bot_api import BotApi
from tests.support.corpus import EvaluateCorpus, corpus_evaluator
from tests.support.fake_bot_api import FakeBotApi
from tests.support.offline_request import TOKEN
from tests.support.polling import polling_application
from tests.support.postgres import PostgresCluster, PostgresUnavailable, find_binaries
from tests.support.stores import Stores, chosen_store

if TYPE_CHECKING:
    from telegram.ext import Application


@pytest.fixture(scope="session")
def knowledge_dir() -> Path:
    return DEFAULT_KNOWLEDGE_DIR


@pytest.fixture(scope="session")
def engine(knowledge_dir: Path) -> Engine:
    return Engine.load(knowledge_dir)


@pytest.fixture(scope="session")
def evaluate_corpus(knowledge_dir: Path) -> EvaluateCorpus:
    return corpus_evaluator(knowledge_dir)


@pytest.fixture
def bot_token() -> str:
    return TOKEN


@pytest.fixture
async def api(bot_token: str) -> AsyncIterator[FakeBotApi]:
    """A fake Bot API on 127.0.0.1 that accepts only ``bot_token``."""
    async with FakeBotApi(valid_token=bot_token) as server:
        yield server


@pytest.fixture
async def polling_bot(
    api: FakeBotApi, engine: Engine, stores: Stores, tmp_path: Path, bot_token: str
) -> AsyncIterator[Application]:
    """The bot's own application polling ``api`` over HTTP."""
    async with polling_application(api, engine, stores.open(tmp_path), bot_token) as application:
        yield application


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One cluster for the session. Without PostgreSQL the tests that need it are skipped with
    the reason in the summary, except in CI (``CI=true``), where they fail: CI must run them."""
    try:
        cluster = PostgresCluster(find_binaries())
        cluster.start()
    except PostgresUnavailable as problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL tests cannot run: {problem}", pytrace=False)
        pytest.skip(f"PostgreSQL tests SKIPPED: {problem}")
    yield cluster
    cluster.stop()


@pytest.fixture
def database_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """An empty database of its own for one test."""
    url = postgres_cluster.new_database()
    yield url
    postgres_cluster.drop_database(url)


@pytest.fixture
def stores(request: pytest.FixtureRequest) -> Iterator[Stores]:
    """The stores of one test, on the database ``FOOTBOT_TEST_STORE`` chooses."""
    cluster = None
    if chosen_store() == "postgresql":
        cluster = request.getfixturevalue("postgres_cluster")
        assert isinstance(cluster, PostgresCluster)
    opened = Stores(cluster)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_stores() -> Iterator[Stores]:
    """SQLite stores whatever ``FOOTBOT_TEST_STORE`` says, for what only SQLite does (its
    folder lock, its file)."""
    opened = Stores(None)
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def no_log_line_quotes_what_people_wrote(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """People tell this bot about their health: in every test that talks to the fake Bot API
    (the ``api`` fixture), the log captured at every level must hold none of their texts."""
    if "api" not in request.fixturenames:
        yield
        return
    api = request.getfixturevalue("api")
    assert isinstance(api, BotApi)
    caplog.set_level(logging.DEBUG)
    yield
    quoted = [text for text in api.people_texts if len(text) >= 8 and text in caplog.text]
    assert quoted == [], "a log line quotes what a person wrote"
