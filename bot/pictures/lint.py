"""The pictures' part of ``footbot check``: descriptions and committed PNGs against techniques."""

from pathlib import Path

from bot.engine.knowledge import Knowledge
from bot.engine.languages import Language
from bot.engine.problems import Problem
from bot.engine.reply import Kind
from bot.pictures.files import picture_path, pictures_folder
from bot.pictures.spec import PICTURES_FILE, read_pictures, shown_path

DRAW_HINT = "draw it with `footbot render`"


def check_pictures(knowledge_dir: Path, knowledge: Knowledge) -> list[Problem]:
    """Every technique needs a description and a committed picture in every language, and
    nothing else has one."""
    technique_ids = {entry.id for entry in knowledge.entries if entry.kind is Kind.TECHNIQUE}
    pictures_file = knowledge_dir / PICTURES_FILE
    found = read_pictures(pictures_file)
    problems = list(found.problems)
    shown_file = shown_path(pictures_file, knowledge_dir)
    for technique_id, line in found.entry_lines.items():
        if technique_id not in technique_ids:
            problems.append(Problem(shown_file, line, technique_id, "unknown technique id"))
    for technique_id in sorted(technique_ids):
        if found.parsed and technique_id not in found.entry_lines:
            # A broken file already says it all; every technique would "lack" a description.
            problems.append(
                Problem(shown_file, 1, technique_id, "technique has no picture description")
            )
            continue
        for language in Language:
            picture = picture_path(knowledge_dir, technique_id, language)
            if not picture.is_file():
                shown = shown_path(picture, knowledge_dir)
                problems.append(Problem(shown, 0, technique_id, f"picture missing: {DRAW_HINT}"))
    expected = {
        picture_path(knowledge_dir, technique_id, language)
        for technique_id in technique_ids
        for language in Language
    }
    for stray in sorted(pictures_folder(knowledge_dir).rglob("*.png")):
        if stray not in expected:
            shown = shown_path(stray, knowledge_dir)
            problems.append(Problem(shown, 0, stray.stem, "picture of no technique: delete it"))
    return problems
