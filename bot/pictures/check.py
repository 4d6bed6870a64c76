"""The pictures' part of ``footbot check``: plugs validate_pictures into the knowledge checks."""

from pathlib import Path

from bot.engine.knowledge import Knowledge
from bot.engine.problems import Problem
from bot.engine.reply import Kind
from bot.pictures.spec import PICTURES_FILE, validate_pictures


def check_pictures(knowledge_dir: Path, knowledge: Knowledge) -> list[Problem]:
    """Problems in knowledge/pictures.yaml against the techniques the knowledge defines."""
    technique_ids = {entry.id for entry in knowledge.entries if entry.kind is Kind.TECHNIQUE}
    return validate_pictures(knowledge_dir / PICTURES_FILE, technique_ids)
