"""Updates the library cannot read are skipped by id, and say so in one line without content."""

import copy
import logging
from typing import Any

import pytest
from telegram import Bot

from bot.telegram.updates import readable_update

PRIVATE_WORDS = "words a person wrote"
MESSAGE: dict[str, Any] = {
    "update_id": 7,
    "message": {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": False, "first_name": "Ana"},
        "text": PRIVATE_WORDS,
    },
}
CALLBACK: dict[str, Any] = {
    "update_id": 7,
    "callback_query": {
        "id": "q1",
        "chat_instance": "c1",
        "from": {"id": 5, "is_bot": False, "first_name": "Ana"},
        "data": PRIVATE_WORDS,
    },
}
POLL: dict[str, Any] = {
    "update_id": 7,
    "poll": {
        "id": "p1",
        "question": PRIVATE_WORDS,
        "options": [{"text": "yes", "voter_count": 1, "persistent_id": "o1"}],
        "total_voter_count": 1,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
        "allows_revoting": False,
        "members_only": False,
    },
}


def without(update: dict[str, Any], *path: str | int) -> dict[str, Any]:
    broken = copy.deepcopy(update)
    holder: Any = broken
    for key in path[:-1]:
        holder = holder[key]
    del holder[path[-1]]
    return broken


@pytest.fixture
def bot() -> Bot:
    return Bot("123:abc")


@pytest.mark.parametrize("update", [MESSAGE, CALLBACK, POLL])
def test_an_update_the_library_can_read_passes_unchanged(update: dict[str, Any], bot: Bot) -> None:
    assert readable_update(update, bot) is update


@pytest.mark.parametrize(
    "poison",
    [
        without(MESSAGE, "message", "chat", "type"),
        without(MESSAGE, "message", "date"),
        without(CALLBACK, "callback_query", "chat_instance"),
        without(POLL, "poll", "options", 0, "persistent_id"),
    ],
    ids=["chat without type", "message without date", "no chat_instance", "old poll option"],
)
def test_an_unreadable_update_becomes_an_empty_one_with_its_id_and_one_warning(
    poison: dict[str, Any], bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        assert readable_update(poison, bot) == {"update_id": 7}
    (record,) = caplog.records
    assert record.levelname == "WARNING"
    assert "skipped update 7" in record.getMessage()
    assert PRIVATE_WORDS not in caplog.text


@pytest.mark.parametrize("poison", [[], "text", {"message": {}}, {"update_id": "7"}])
def test_an_update_without_a_usable_id_is_dropped(poison: object, bot: Bot) -> None:
    assert readable_update(poison, bot) is None
