"""Inline keyboards laid out from buttons (see callbacks.py for what a button carries)."""

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup


def keyboard(buttons: Sequence[InlineKeyboardButton], per_row: int = 1) -> InlineKeyboardMarkup:
    rows = [list(buttons[start : start + per_row]) for start in range(0, len(buttons), per_row)]
    return InlineKeyboardMarkup(rows)
