"""Shared fixtures: the bundled knowledge, loaded once per test session.

Importing ``bot.telegram`` first gives every test the bot's own python-telegram-bot settings
(its opt-in to timedelta durations), whatever the test imports itself.
"""

from pathlib import Path

import pytest

import bot.telegram  # noqa: F401
from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.engine import Engine


@pytest.fixture(scope="session")
def knowledge_dir() -> Path:
    return DEFAULT_KNOWLEDGE_DIR


@pytest.fixture(scope="session")
def engine(knowledge_dir: Path) -> Engine:
    return Engine.load(knowledge_dir)
