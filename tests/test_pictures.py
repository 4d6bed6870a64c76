"""Technique diagrams: the descriptions are checked, the committed pictures are what they draw."""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from bot import cli
from bot.cli import main
from bot.engine import Engine
from bot.engine.knowledge import read_knowledge
from bot.engine.languages import Language
from bot.engine.problems import Problem
from bot.pictures.files import picture_path, pictures_folder
from bot.pictures.lint import check_pictures
from bot.pictures.spec import (
    Gesture,
    PicturesError,
    Stroke,
    labels_file,
    load_pictures,
    read_pictures,
)
from bot.pictures.vocabulary import ZONES_BY_VIEW, Motion, View
from drawing.foot import drawing_for
from drawing.render import SKIN, ZONE, draw_picture, render_all, shows
from drawing.typeface import undrawable

HEEL_SQUEEZE = """\
heel-squeeze:
  title: Heel squeeze
  view: sole
  zones: [heel]
  arrows:
    - {zone: heel, motion: squeeze}
  fr:
    title: Pression du talon
"""


@pytest.fixture
def knowledge(tmp_path: Path, knowledge_dir: Path) -> Path:
    """A scratch knowledge folder holding the real zone labels and no pictures yet."""
    folder = tmp_path / "knowledge"
    for language in Language:
        (folder / labels_file(language)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(knowledge_dir / labels_file(language), folder / labels_file(language))
    return folder


@pytest.fixture
def knowledge_copy(tmp_path: Path, knowledge_dir: Path) -> Path:
    """A copy of the whole bundled knowledge folder, pictures included, to break on purpose."""
    return shutil.copytree(knowledge_dir, tmp_path / "knowledge")


def write_pictures(knowledge: Path, text: str) -> Path:
    pictures_file = knowledge / "pictures.yaml"
    pictures_file.write_text(textwrap.dedent(text), encoding="utf-8")
    return pictures_file


def problems_in(pictures_file: Path) -> list[Problem]:
    return read_pictures(pictures_file).problems


def picture_problems(knowledge: Path) -> list[tuple[str, int, str | None, str]]:
    problems = check_pictures(knowledge, read_knowledge(knowledge))
    return [(p.file, p.line, p.entry_id, p.message) for p in problems]


# --- the bundled descriptions and pictures ------------------------------------------------------


def test_every_technique_has_a_description_and_a_committed_picture_in_every_language(
    engine: Engine, knowledge_dir: Path
) -> None:
    technique_ids = {entry.id for entry in engine.techniques()}
    pictures = load_pictures(knowledge_dir / "pictures.yaml")
    by_language = {language: set(specs) for language, specs in pictures.items()}
    assert by_language == dict.fromkeys(Language, technique_ids)
    for language in Language:
        committed = {
            picture_path(knowledge_dir, technique_id, language) for technique_id in technique_ids
        }
        assert all(path.is_file() for path in committed)
    assert check_pictures(knowledge_dir, read_knowledge(knowledge_dir)) == []


@pytest.mark.parametrize("language", list(Language))
def test_the_committed_pictures_are_exactly_what_the_descriptions_draw(
    knowledge_dir: Path, language: Language
) -> None:
    descriptions = load_pictures(knowledge_dir / "pictures.yaml", undrawable)[language]
    stale = [
        str(picture_path(knowledge_dir, technique_id, language).relative_to(knowledge_dir.parent))
        for technique_id, spec in descriptions.items()
        if not shows(picture_path(knowledge_dir, technique_id, language), draw_picture(spec))
    ]
    assert not stale, (
        f"pictures differ from knowledge/pictures.yaml: {stale}; run `footbot render`"
    )


def test_committed_pictures_carry_no_metadata(knowledge_dir: Path) -> None:
    pictures = sorted(pictures_folder(knowledge_dir).rglob("*.png"))
    assert len(pictures) == 8 * len(Language)
    for path in pictures:
        png = path.read_bytes()
        with Image.open(path) as image:
            assert (image.format, image.size) == ("PNG", (800, 800))
            assert not image.info.keys() - {"dpi"}  # no text chunks, no timestamps
        for chunk in (b"tEXt", b"iTXt", b"zTXt", b"tIME"):
            assert chunk not in png


def test_the_picture_font_draws_french_accents() -> None:
    assert undrawable("Voûte plantaire, à l'avant-pied: é è ê ë à â î ï ô û ù ü ç œ É È À Ç") == []


def test_highlighted_zones_are_painted_and_others_are_not(knowledge_dir: Path) -> None:
    with Image.open(picture_path(knowledge_dir, "heel-squeeze")) as image:
        heel = _average(image, drawing_for(View.SOLE).zones["heel"].anchor)
        arch = _average(image, drawing_for(View.SOLE).zones["arch"].anchor)
    assert _distance(heel, ZONE) < _distance(heel, SKIN)
    assert _distance(arch, SKIN) < 12


def _average(image: Image.Image, point: tuple[float, float]) -> tuple[float, ...]:
    x, y = int(point[0]), int(point[1])
    return tuple(ImageStat.Stat(image.crop((x - 12, y - 12, x + 12, y + 12))).mean)


def _distance(colour: tuple[float, ...], reference: tuple[int, int, int]) -> float:
    return max(abs(a - b) for a, b in zip(colour, reference, strict=True))


def test_descriptions_read_into_zones_labels_and_arrows(knowledge_dir: Path) -> None:
    pictures = load_pictures(knowledge_dir / "pictures.yaml")[Language.EN]
    ball_roll = pictures["ball-roll"]
    assert ball_roll.view is View.SOLE
    assert [(zone.name, zone.label) for zone in ball_roll.zones] == [
        ("ball", "Ball of the foot"),
        ("arch", "Arch"),
    ]
    assert ball_roll.arrows == (Stroke("heel", "ball", both_ways=True),)
    assert pictures["ankle-rotations"].view is View.SIDE
    assert pictures["ankle-rotations"].arrows == (Gesture("ankle", Motion.CIRCLE),)


def test_a_french_picture_shares_what_it_shows_and_has_french_words(knowledge_dir: Path) -> None:
    pictures = load_pictures(knowledge_dir / "pictures.yaml")
    english, french = pictures[Language.EN]["ball-roll"], pictures[Language.FR]["ball-roll"]
    assert (french.view, french.arrows) == (english.view, english.arrows)
    assert [zone.name for zone in french.zones] == [zone.name for zone in english.zones]
    assert [zone.label for zone in french.zones] == ["Avant-pied", "Voûte plantaire"]
    assert (french.title, french.subtitle) == ("Roulement de balle", "Plante du pied")
    assert french.caption == "Roulez lentement une balle du talon à l'avant-pied, et retour."


def test_each_view_draws_exactly_the_zones_its_vocabulary_allows() -> None:
    for view in View:
        assert set(drawing_for(view).zones) == ZONES_BY_VIEW[view]


def test_the_running_bot_and_footbot_check_never_import_pillow_or_the_font() -> None:
    script = (
        "import sys\n"
        "import bot.telegram.app\n"
        "from bot.cli import main\n"
        "main(['check'])\n"
        "drawing = {'PIL', 'drawing', 'matplotlib'} & sys.modules.keys()\n"
        "assert not drawing, f'imported {drawing}'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60, capture_output=True)


# --- reading the descriptions ---------------------------------------------------------------


def test_an_unknown_zone_is_a_problem_with_file_line_and_entry(knowledge: Path) -> None:
    pictures_file = write_pictures(
        knowledge,
        """\
        heel-squeeze:
          title: Heel squeeze
          view: sole
          zones: [heel, instep]
          fr:
            title: Pression du talon
        """,
    )
    [problem] = problems_in(pictures_file)
    assert problem.file == "knowledge/pictures.yaml"
    assert problem.line == 4
    assert problem.entry_id == "heel-squeeze"
    assert problem.message.startswith("unknown zone 'instep'")
    assert str(problem).startswith("knowledge/pictures.yaml:4: [heel-squeeze] unknown zone")


def test_a_bad_view_is_a_problem(knowledge: Path) -> None:
    pictures_file = write_pictures(knowledge, HEEL_SQUEEZE.replace("view: sole", "view: top"))
    [problem] = problems_in(pictures_file)
    assert (problem.line, problem.message) == (3, "bad view 'top' (allowed: side, sole)")


def test_a_zone_the_view_does_not_show_is_a_problem(knowledge: Path) -> None:
    pictures_file = write_pictures(knowledge, HEEL_SQUEEZE.replace("[heel]", "[heel, ankle]"))
    assert [problem.message for problem in problems_in(pictures_file)] == [
        "zone 'ankle' is not drawn in the sole view (shown: arch, ball, big_toe, heel, "
        "inner_edge, outer_edge, sole, toe_web, toes)"
    ]


@pytest.mark.parametrize(
    ("arrow", "message"),
    [
        ("{zone: heel, motion: wiggle}", "unknown motion 'wiggle' (allowed: circle, press, "),
        ("{zone: knee, motion: circle}", "unknown zone 'knee'"),
        ("{from: heel}", "missing 'to'"),
        ("{from: heel, to: heel}", "an arrow cannot start and end on the same zone"),
        ("{from: heel, to: toes, lanes: 7}", "'lanes' must be between 1 and 3"),
        ("{from: heel, to: toes, both_ways: maybe}", "expected true or false"),
        ("{from: heel, to: toes, speed: 3}", "unknown key 'speed' in an arrow between zones"),
        ("{motion: circle}", "an arrow needs either 'zone' and 'motion', or 'from' and 'to'"),
    ],
)
def test_bad_arrows_are_problems_on_their_line(knowledge: Path, arrow: str, message: str) -> None:
    pictures_file = write_pictures(
        knowledge, HEEL_SQUEEZE.replace("{zone: heel, motion: squeeze}", arrow)
    )
    [problem] = problems_in(pictures_file)
    assert problem.message.startswith(message)
    assert (problem.line, problem.entry_id) == (6, "heel-squeeze")


def test_a_zone_without_a_label_text_is_a_problem(knowledge: Path) -> None:
    labels = knowledge / "texts" / "pictures.yaml"
    labels.write_text(labels.read_text().replace("picture_zone_heel: Heel\n", ""))
    pictures_file = write_pictures(knowledge, HEEL_SQUEEZE)
    assert [problem.message for problem in problems_in(pictures_file)] == [
        "no text 'picture_zone_heel' in knowledge/texts/pictures.yaml"
    ]


def test_text_the_picture_font_cannot_draw_is_refused_with_its_line_when_drawing(
    knowledge: Path,
) -> None:
    foot = "\u8db3"  # a CJK character: no glyph in the picture font
    pictures_file = write_pictures(knowledge, HEEL_SQUEEZE.replace("du talon", f"du talon {foot}"))
    [problem] = read_pictures(pictures_file, undrawable).problems
    assert problem.message == f"the picture font cannot draw '{foot}'; use plain characters"
    assert problem.line == 8
    assert problems_in(pictures_file) == []  # without the font, footbot check cannot know


CAPTIONED = HEEL_SQUEEZE.replace("  fr:\n", "  caption: Squeeze, then release.\n  fr:\n")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            HEEL_SQUEEZE.split("  fr:")[0],
            2,
            "missing its 'fr:' block (the title and caption in fr)",
        ),
        (
            HEEL_SQUEEZE + "    view: side\n",
            8,
            "unknown key 'view' in a picture's 'fr:' block (allowed: caption, title)",
        ),
        (
            CAPTIONED.replace("    title: Pression du talon\n", "    caption: Serrez.\n"),
            9,
            "missing 'title'",
        ),
        (CAPTIONED, 9, "missing 'caption' in 'fr:' (the English has one)"),
        (HEEL_SQUEEZE + "    caption: Serrez.\n", 9, "a caption in 'fr:' but none in English"),
    ],
)
def test_the_french_block_gives_the_title_and_the_caption_where_the_english_has_them(
    knowledge: Path, text: str, line: int, message: str
) -> None:
    [problem] = problems_in(write_pictures(knowledge, text))
    assert (problem.line, problem.entry_id, problem.message) == (line, "heel-squeeze", message)


def test_a_captioned_picture_reads_with_its_french_caption(knowledge: Path) -> None:
    text = CAPTIONED + "    caption: Serrez, puis relâchez.\n"
    pictures = load_pictures(write_pictures(knowledge, text))
    assert pictures[Language.EN]["heel-squeeze"].caption == "Squeeze, then release."
    assert pictures[Language.FR]["heel-squeeze"].caption == "Serrez, puis relâchez."


def test_a_zone_without_a_french_label_is_a_problem_on_the_zone_line(knowledge: Path) -> None:
    labels = knowledge / labels_file(Language.FR)
    labels.write_text(labels.read_text().replace("picture_zone_heel: Talon\n", ""))
    [problem] = problems_in(write_pictures(knowledge, HEEL_SQUEEZE))
    assert (problem.file, problem.line, problem.message) == (
        "knowledge/pictures.yaml",
        4,
        "no text 'picture_zone_heel' in knowledge/texts/fr/pictures.yaml",
    )


def test_broken_yaml_is_one_located_problem(knowledge: Path) -> None:
    pictures_file = write_pictures(knowledge, HEEL_SQUEEZE + "  zones: [heel\n")
    [problem] = problems_in(pictures_file)
    assert problem.file == "knowledge/pictures.yaml"
    assert problem.message.startswith("bad YAML")


def test_loading_invalid_descriptions_raises_a_one_line_error(knowledge: Path) -> None:
    pictures_file = write_pictures(knowledge, HEEL_SQUEEZE.replace("[heel]", "[hell]"))
    with pytest.raises(PicturesError, match=r"^knowledge/pictures.yaml:4: \[heel-squeeze\]"):
        load_pictures(pictures_file)


# --- checking them against the techniques -----------------------------------------------------


def test_unknown_and_undescribed_techniques_are_problems(knowledge_copy: Path) -> None:
    pictures_file = knowledge_copy / "pictures.yaml"
    text = pictures_file.read_text()
    text = text.replace("thumb-walking:", "thumb-walk:")
    pictures_file.write_text(text)
    line = text.splitlines().index("thumb-walk:") + 2  # problems point at the entry's body
    assert picture_problems(knowledge_copy) == [
        ("knowledge/pictures.yaml", line, "thumb-walk", "unknown technique id"),
        ("knowledge/pictures.yaml", 1, "thumb-walking", "technique has no picture description"),
    ]


@pytest.mark.parametrize("language", list(Language))
def test_a_technique_without_a_committed_picture_is_a_problem_naming_the_file(
    knowledge_copy: Path, language: Language
) -> None:
    picture_path(knowledge_copy, "thumb-walking", language).unlink()
    folder = "knowledge/pictures/" if language is Language.EN else "knowledge/pictures/fr/"
    assert picture_problems(knowledge_copy) == [
        (
            f"{folder}thumb-walking.png",
            0,
            "thumb-walking",
            "picture missing: draw it with `footbot render`",
        )
    ]


STRAY = "picture of no technique: delete it"


def test_a_picture_of_no_technique_is_a_problem(knowledge_copy: Path) -> None:
    picture_path(knowledge_copy, "thumb-walking").rename(picture_path(knowledge_copy, "old"))
    assert [problem[2:] for problem in picture_problems(knowledge_copy)] == [
        ("thumb-walking", "picture missing: draw it with `footbot render`"),
        ("old", STRAY),
    ]


def test_a_stray_picture_among_the_french_ones_is_a_problem(knowledge_copy: Path) -> None:
    french = picture_path(knowledge_copy, "thumb-walking", Language.FR)
    shutil.copy(french, french.with_name("marche-du-pouce.png"))
    (pictures_folder(knowledge_copy) / "de").mkdir()
    shutil.copy(french, pictures_folder(knowledge_copy) / "de" / "thumb-walking.png")
    assert picture_problems(knowledge_copy) == [
        ("knowledge/pictures/de/thumb-walking.png", 0, "thumb-walking", STRAY),
        ("knowledge/pictures/fr/marche-du-pouce.png", 0, "marche-du-pouce", STRAY),
    ]


# --- drawing --------------------------------------------------------------------------------


def test_render_rewrites_a_damaged_picture(knowledge: Path, tmp_path: Path) -> None:
    write_pictures(knowledge, HEEL_SQUEEZE)
    out = tmp_path / "out"
    damaged = out / "fr" / "heel-squeeze.png"
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"not a picture")
    assert render_all(knowledge, out) == [out / "heel-squeeze.png", damaged]
    assert damaged.read_bytes().startswith(b"\x89PNG")


def test_footbot_render_draws_each_language_into_the_knowledge_folder_and_keeps_unchanged_ones(
    knowledge: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_pictures(knowledge, HEEL_SQUEEZE)
    arguments = ["--knowledge", str(knowledge), "render"]
    assert main(arguments) == 0
    picture = picture_path(knowledge, "heel-squeeze")
    french = picture_path(knowledge, "heel-squeeze", Language.FR)
    assert set(pictures_folder(knowledge).rglob("*.png")) == {picture, french}
    assert french.read_bytes() != picture.read_bytes()

    # The same pixels compressed otherwise (another zlib, say) are not a change.
    with Image.open(picture) as image:
        image.save(picture, compress_level=1)
    recompressed = picture.read_bytes()
    assert main(arguments) == 0
    assert picture.read_bytes() == recompressed
    assert capsys.readouterr().out.endswith(
        f"pictures up to date in {pictures_folder(knowledge)} (0 written)\n"
    )


def test_footbot_render_outside_a_source_checkout_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "CHECKOUT", tmp_path)
    assert main(["render", "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (
        "footbot: drawing/ is not installed: run this from a source checkout\n"
    )


# --- footbot check --------------------------------------------------------------------------


def test_footbot_check_reports_an_unknown_zone_with_file_and_entry(
    knowledge_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pictures_file = knowledge_copy / "pictures.yaml"
    pictures_file.write_text(pictures_file.read_text().replace("zones: [heel]", "zones: [hel]"))
    assert main(["--knowledge", str(knowledge_copy), "check"]) == 2
    [line] = [line for line in capsys.readouterr().out.splitlines() if "unknown zone" in line]
    assert line.startswith("knowledge/pictures.yaml:")
    assert "[heel-squeeze] unknown zone 'hel'" in line


def test_footbot_check_fails_when_a_technique_has_no_committed_picture(
    knowledge_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    picture_path(knowledge_copy, "ball-roll").unlink()
    assert main(["--knowledge", str(knowledge_copy), "check"]) == 2
    assert (
        "knowledge/pictures/ball-roll.png: [ball-roll] picture missing: draw it with "
        "`footbot render`" in capsys.readouterr().out.splitlines()
    )
