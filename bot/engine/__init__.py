"""The answer engine: knowledge loading, matching, triage and reply building (no Telegram)."""

from bot.engine.context import Context
from bot.engine.engine import Engine
from bot.engine.knowledge import Entry, Knowledge, KnowledgeError
from bot.engine.problems import Problem
from bot.engine.reply import Kind, Reply, Suggestion

__all__ = [
    "Context",
    "Engine",
    "Entry",
    "Kind",
    "Knowledge",
    "KnowledgeError",
    "Problem",
    "Reply",
    "Suggestion",
]
