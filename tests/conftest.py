"""Shared fixtures: the bundled knowledge, loaded once per test session, and the log check.

Importing ``bot.telegram`` first gives every test the bot's own python-telegram-bot settings
(its opt-in to timedelta durations), whatever the test imports itself.
"""

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

import bot.telegram  # noqa: F401
from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.engine import Engine
from tests.support.bot_api import BotApi


@pytest.fixture(scope="session")
def knowledge_dir() -> Path:
    return DEFAULT_KNOWLEDGE_DIR


@pytest.fixture(scope="session")
def engine(knowledge_dir: Path) -> Engine:
    return Engine.load(knowledge_dir)


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
