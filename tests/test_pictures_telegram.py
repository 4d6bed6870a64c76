"""Technique walkthroughs as photos: one picture per walkthrough, its caption edited in place.

Updates go through ``Application.process_update`` with the fake Bot API's logic behind an offline
request, so over-long captions or edits of the wrong kind of message fail as on Telegram.
"""

import json
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot import cli
from bot.config import Settings
from bot.engine import Engine
from bot.engine.languages import Language
from bot.pictures.files import picture_path, pictures_folder
from bot.storage import Store
from bot.telegram.pictures import MAX_CAPTION_LENGTH, technique_picture
from bot.telegram.services import services
from tests.support.fake_bot_api import FakeBotApi, UploadedFile
from tests.support.keyboards import callback_data
from tests.support.offline_request import TOKEN, deliver_pending, offline_application
from tests.support.stores import Stores

FIRST = 42
SECOND = 43

JSONDict = dict[str, Any]


@dataclass
class Bot:
    api: FakeBotApi
    application: Application
    engine: Engine

    async def say(self, text: str, chat_id: int = FIRST) -> JSONDict:
        self.api.push_message(chat_id, text)
        await deliver_pending(self.application)
        return self.api.bot_messages(chat_id)[-1]

    async def press(self, message: JSONDict, label: str, chat_id: int = FIRST) -> None:
        self.api.push_callback(chat_id, message["message_id"], callback_data(message, label))
        await deliver_pending(self.application)

    def current(self, message: JSONDict, chat_id: int = FIRST) -> JSONDict:
        return self.api.message(chat_id, message["message_id"])

    def uploads(self) -> int:
        return sum(
            isinstance(call.params.get("photo"), UploadedFile)
            for call in self.api.calls_to("sendPhoto")
        )


async def running_bot(engine: Engine, store: Store, settings: Settings) -> AsyncIterator[Bot]:
    api = FakeBotApi()
    application = offline_application(engine, store, api, settings)
    async with application:
        yield Bot(api, application, engine)
    store.close()


@pytest.fixture
def knowledge(knowledge_dir: Path, tmp_path: Path) -> Path:
    """A knowledge folder holding a copy of the committed pictures, to change on purpose."""
    folder = tmp_path / "knowledge"
    shutil.copytree(pictures_folder(knowledge_dir), pictures_folder(folder))
    return folder


@pytest.fixture
async def bot(
    engine: Engine, knowledge: Path, stores: Stores, tmp_path: Path
) -> AsyncIterator[Bot]:
    settings = Settings(token=TOKEN, data_dir=tmp_path, knowledge_dir=knowledge)
    async for running in running_bot(engine, stores.open(tmp_path), settings):
        yield running


@pytest.mark.parametrize("language", list(Language))
def test_every_technique_is_shown_with_its_committed_picture_in_each_language(
    engine: Engine, knowledge_dir: Path, language: Language
) -> None:
    settings = Settings(knowledge_dir=knowledge_dir)
    for technique in engine.techniques():
        picture = technique_picture(settings, technique.id, language)
        assert picture == picture_path(knowledge_dir, technique.id, language)


async def test_opening_a_technique_sends_one_photo_with_the_first_step_as_caption(
    bot: Bot,
) -> None:
    page = await bot.say("show me thumb walking")
    assert [call.method for call in bot.api.calls if call.method.startswith("send")] == [
        "sendPhoto"
    ]
    assert page["caption"] == bot.engine.step_page("thumb-walking", 0).text
    assert "text" not in page


async def test_a_french_walkthrough_is_a_photo_of_the_french_picture(
    bot: Bot, knowledge: Path
) -> None:
    page = await bot.say("montre-moi la marche du pouce")
    [upload] = [call.params["photo"] for call in bot.api.calls_to("sendPhoto")]
    assert upload.content == picture_path(knowledge, "thumb-walking", Language.FR).read_bytes()
    assert page["caption"] == bot.engine.step_page("thumb-walking", 0, Language.FR).text
    await bot.press(page, bot.engine.text("walkthrough_next", Language.FR))
    second = bot.engine.step_page("thumb-walking", 1, Language.FR).text
    assert bot.current(page)["caption"] == second


async def test_the_english_and_french_pictures_are_uploaded_and_cached_apart(bot: Bot) -> None:
    await bot.say("montre-moi la marche du pouce", FIRST)
    await bot.say("show me thumb walking", SECOND)
    await bot.say("montre-moi la marche du pouce", SECOND)
    uploads = [call.params["photo"] for call in bot.api.calls_to("sendPhoto")]
    assert [isinstance(photo, UploadedFile) for photo in uploads] == [True, True, False]
    assert uploads[0].content != uploads[1].content
    assert uploads[2] == bot.api.bot_messages(FIRST)[0]["photo"][-1]["file_id"]


async def test_next_and_back_edit_the_caption_in_place(bot: Bot) -> None:
    page = await bot.say("show me thumb walking")
    await bot.press(page, bot.engine.text("walkthrough_next"))
    assert bot.api.calls_to("editMessageCaption")[-1].ok
    assert bot.current(page)["caption"] == bot.engine.step_page("thumb-walking", 1).text
    await bot.press(bot.current(page), bot.engine.text("walkthrough_back"))
    assert bot.current(page)["caption"] == bot.engine.step_page("thumb-walking", 0).text
    assert bot.api.bot_messages(FIRST) == [bot.current(page)]
    assert bot.api.calls_to("editMessageText") == []


async def test_done_takes_the_buttons_off_the_photo(bot: Bot) -> None:
    page = await bot.say("show me thumb walking")
    await bot.press(page, bot.engine.text("walkthrough_done"))
    assert "reply_markup" not in bot.current(page)
    assert bot.api.bot_messages(FIRST)[-1]["text"] == bot.engine.text(
        "walkthrough_finished", title="Thumb walking"
    )


async def test_a_picture_is_uploaded_once_then_sent_by_its_file_id(bot: Bot) -> None:
    first = await bot.say("show me thumb walking", FIRST)
    second = await bot.say("show me thumb walking", SECOND)
    assert bot.uploads() == 1
    upload = bot.api.calls_to("sendPhoto")[0].params["photo"]
    assert (upload.filename, upload.content_type) == ("thumb-walking.png", "image/png")
    assert bot.api.calls_to("sendPhoto")[-1].params["photo"] == first["photo"][-1]["file_id"]
    assert second["photo"][-1]["file_id"] == first["photo"][-1]["file_id"]


async def test_a_replaced_picture_is_uploaded_again(bot: Bot) -> None:
    await bot.say("show me thumb walking")
    path = picture_path(services(bot.application).settings.knowledge_dir, "thumb-walking")
    path.write_bytes(path.read_bytes() + b"\0")
    await bot.say("show me thumb walking", SECOND)
    assert bot.uploads() == 2


async def test_a_refused_cached_file_id_falls_back_to_an_upload(bot: Bot) -> None:
    await bot.say("show me thumb walking")
    bot.api.fail_next(
        1,
        status=400,
        description="Bad Request: wrong file identifier/HTTP URL specified",
        methods=["sendPhoto"],
    )
    page = await bot.say("show me thumb walking", SECOND)
    assert page["caption"] == bot.engine.step_page("thumb-walking", 0).text
    assert bot.uploads() == 2


async def test_the_routine_stays_a_text_walkthrough(bot: Bot) -> None:
    page = await bot.say("/routine")
    assert page["text"] == bot.engine.step_page("self-massage-routine", 0).text
    await bot.press(page, bot.engine.text("walkthrough_next"))
    assert bot.current(page)["text"] == bot.engine.step_page("self-massage-routine", 1).text
    assert bot.api.calls_to("sendPhoto") == []


async def test_without_pictures_a_technique_is_a_text_walkthrough(
    engine: Engine, stores: Stores, tmp_path: Path
) -> None:
    settings = Settings(token=TOKEN, data_dir=tmp_path, knowledge_dir=tmp_path / "knowledge")
    async for bot in running_bot(engine, stores.open(tmp_path), settings):
        page = await bot.say("show me thumb walking")
        assert page["text"] == engine.step_page("thumb-walking", 0).text
        assert bot.api.calls_to("sendPhoto") == []


@pytest.fixture
def long_step_engine(knowledge_dir: Path, tmp_path: Path) -> Engine:
    """Thumb walking with one step just over the caption limit."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir, knowledge)
    techniques = knowledge / "faq" / "techniques.yaml"
    short = "Pause on tight spots for a few slow breaths, then move on."
    long = short + " Breathe." * 110
    techniques.write_text(techniques.read_text().replace(short, long))
    return Engine.load(knowledge)


async def test_a_step_too_long_for_a_caption_makes_the_walkthrough_text(
    long_step_engine: Engine, stores: Stores, tmp_path: Path
) -> None:
    pages = [
        long_step_engine.step_page("thumb-walking", index).text
        for index in range(len(long_step_engine.entry("thumb-walking").steps))
    ]
    assert max(len(text) for text in pages) > MAX_CAPTION_LENGTH
    settings = Settings(token=TOKEN, data_dir=tmp_path)
    async for bot in running_bot(long_step_engine, stores.open(tmp_path), settings):
        page = await bot.say("show me thumb walking")
        assert page["text"] == pages[0]
        assert bot.api.calls_to("sendPhoto") == []
        await bot.press(page, bot.engine.text("walkthrough_next"))
        assert bot.current(page)["text"] == pages[1]


def test_ask_json_names_the_committed_picture_of_a_technique(
    capsys: pytest.CaptureFixture[str], knowledge_dir: Path
) -> None:
    assert cli.main(["ask", "--json", "show me thumb walking"]) == 0
    image = Path(json.loads(capsys.readouterr().out)["image"])
    assert image == picture_path(knowledge_dir, "thumb-walking")
    assert image.read_bytes().startswith(b"\x89PNG")


def test_ask_json_has_no_image_for_a_question(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["ask", "--json", "How often should I massage my feet?"]) == 0
    assert "image" not in json.loads(capsys.readouterr().out)
