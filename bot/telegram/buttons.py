"""Inline keyboards built from labels and callback actions (see callbacks.py for the data)."""

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.callbacks import encode


def button(label: str, action: str, *args: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode(action, *args))


def keyboard(buttons: Sequence[InlineKeyboardButton], per_row: int = 1) -> InlineKeyboardMarkup:
    rows = [list(buttons[start : start + per_row]) for start in range(0, len(buttons), per_row)]
    return InlineKeyboardMarkup(rows)
