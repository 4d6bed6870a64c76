"""Shared fixtures: the bundled knowledge, loaded once per test session."""

from pathlib import Path

import pytest

from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.engine import Engine


@pytest.fixture(scope="session")
def knowledge_dir() -> Path:
    return DEFAULT_KNOWLEDGE_DIR


@pytest.fixture(scope="session")
def engine(knowledge_dir: Path) -> Engine:
    return Engine.load(knowledge_dir)
