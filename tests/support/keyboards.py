"""Reading the inline keyboards of recorded bot messages, the way a person reads buttons."""

from tests.support.fake_bot_api import JSONDict


def button_labels(message: JSONDict) -> list[str]:
    """The labels of a message's inline buttons, row by row."""
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


def callback_data(message: JSONDict, label: str) -> str:
    """The callback data of the button a person would press; fails loudly if it is missing."""
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button["text"] == label:
                data: str = button["callback_data"]
                return data
    raise AssertionError(f"no button {label!r} in {button_labels(message)}")
