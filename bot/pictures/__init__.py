"""Technique diagrams: descriptions in knowledge/pictures.yaml, drawn to PNG with Pillow."""

from bot.pictures.render import picture_path, pictures_dir, render_all, render_picture
from bot.pictures.spec import (
    PICTURES_FILE,
    PicturesError,
    PictureSpec,
    load_pictures,
    validate_pictures,
)

__all__ = [
    "PICTURES_FILE",
    "PictureSpec",
    "PicturesError",
    "load_pictures",
    "picture_path",
    "pictures_dir",
    "render_all",
    "render_picture",
    "validate_pictures",
]
