"""Callback data for inline buttons: short, typed, and safe to decode after a restart.

Format: ``<prefix>[:<version>]:<field>...`` within Telegram's 64-byte limit, where the version
(the knowledge version the running bot was built with) is present only for knowledge-bound
payloads (see actions.py). Decoding gives the payload back, or ``None`` when the data is not
something this bot would make today: an unknown prefix, another knowledge version, a wrong
number of fields, or a field its payload refuses. That ``None`` is the one meaning of "this menu
is out of date"; an error raised later, inside a handler, is a bug and is reported as one.
"""

import dataclasses
from typing import Any

from telegram import InlineKeyboardButton

from bot.telegram.actions import ACTIONS, Payload

MAX_BYTES = 64
SEPARATOR = ":"

_BY_PREFIX: dict[str, type[Payload]] = {action.prefix: action for action in ACTIONS}


def prefix_of(data: object) -> str | None:
    """The action prefix of callback data, whatever its version (for handler patterns)."""
    return data.partition(SEPARATOR)[0] if isinstance(data, str) else None


class CallbackCodec:
    def __init__(self, version: str) -> None:
        if not version or SEPARATOR in version:
            raise ValueError(f"unusable knowledge version {version!r}")
        self.version = version

    def encode(self, payload: Payload) -> str:
        values = [str(getattr(payload, field.name)) for field in dataclasses.fields(payload)]
        if any(not value or SEPARATOR in value for value in values):
            raise ValueError(f"callback fields must be non-empty and free of ':': {payload}")
        stamp = [self.version] if payload.knowledge_bound else []
        data = SEPARATOR.join([payload.prefix, *stamp, *values])
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    def decode(self, data: object) -> Payload | None:
        if not isinstance(data, str):
            return None
        prefix, *parts = data.split(SEPARATOR)
        action = _BY_PREFIX.get(prefix)
        if action is None:
            return None
        if action.knowledge_bound:
            if not parts or parts[0] != self.version:
                return None
            parts = parts[1:]
        fields = dataclasses.fields(action)
        if len(parts) != len(fields):
            return None
        try:
            values: dict[str, Any] = {
                field.name: int(part) if field.type is int else part
                for field, part in zip(fields, parts, strict=True)
            }
            return action(**values)
        except ValueError:
            return None

    def button(self, label: str, payload: Payload) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=self.encode(payload))
