"""Where the committed technique pictures live: ``knowledge/pictures/<technique-id>.png``."""

from pathlib import Path

PICTURES_FOLDER = "pictures"  # inside the knowledge folder, beside pictures.yaml


def pictures_folder(knowledge_dir: Path) -> Path:
    return knowledge_dir / PICTURES_FOLDER


def picture_path(knowledge_dir: Path, technique_id: str) -> Path:
    """The committed picture of a technique, whether or not it exists."""
    return pictures_folder(knowledge_dir) / f"{technique_id}.png"
