"""Where the committed technique pictures live: ``knowledge/pictures/<technique-id>.png``, and
``knowledge/pictures/<language>/<technique-id>.png`` with the labels in another language."""

from pathlib import Path

from bot.engine.languages import DEFAULT_LANGUAGE, Language

PICTURES_FOLDER = "pictures"  # inside the knowledge folder, beside pictures.yaml


def pictures_folder(knowledge_dir: Path) -> Path:
    return knowledge_dir / PICTURES_FOLDER


def picture_path(
    knowledge_dir: Path, technique_id: str, language: Language = DEFAULT_LANGUAGE
) -> Path:
    """The committed picture of a technique, whether or not it exists."""
    folder = pictures_folder(knowledge_dir)
    if language is not DEFAULT_LANGUAGE:
        folder = folder / language.value
    return folder / f"{technique_id}.png"
