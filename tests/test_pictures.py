"""Technique diagrams: the descriptions are complete and checked, the pictures reproducible."""

import io
import shutil
import textwrap
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from bot.cli import main
from bot.engine import Engine
from bot.engine.knowledge import read_knowledge
from bot.pictures import (
    PicturesError,
    load_pictures,
    picture_path,
    render,
    render_all,
    render_picture,
    validate_pictures,
)
from bot.pictures.check import check_pictures
from bot.pictures.foot import drawing_for
from bot.pictures.render import SKIN, ZONE
from bot.pictures.spec import Gesture, Stroke
from bot.pictures.vocabulary import ZONES_BY_VIEW, Motion, View

HEEL_SQUEEZE = """\
heel-squeeze:
  title: Heel squeeze
  view: sole
  zones: [heel]
  arrows:
    - {zone: heel, motion: squeeze}
"""


@pytest.fixture
def knowledge(tmp_path: Path, knowledge_dir: Path) -> Path:
    """A scratch knowledge folder holding the real zone labels and no pictures yet."""
    folder = tmp_path / "knowledge"
    (folder / "texts").mkdir(parents=True)
    shutil.copy(knowledge_dir / "texts" / "pictures.yaml", folder / "texts" / "pictures.yaml")
    return folder


def write_pictures(knowledge: Path, text: str) -> Path:
    pictures_file = knowledge / "pictures.yaml"
    pictures_file.write_text(textwrap.dedent(text), encoding="utf-8")
    return pictures_file


def messages(problems: list) -> list[str]:
    return [problem.message for problem in problems]


# --- the bundled descriptions -------------------------------------------------------------------


def test_every_technique_has_a_picture_and_nothing_else_does(
    engine: Engine, knowledge_dir: Path
) -> None:
    technique_ids = {entry.id for entry in engine.techniques()}
    assert set(load_pictures(knowledge_dir / "pictures.yaml")) == technique_ids
    assert validate_pictures(knowledge_dir / "pictures.yaml", technique_ids) == []


def test_the_bundled_pictures_pass_the_knowledge_check(knowledge_dir: Path) -> None:
    assert check_pictures(knowledge_dir, read_knowledge(knowledge_dir)) == []


def test_descriptions_read_into_zones_labels_and_arrows(knowledge_dir: Path) -> None:
    pictures = load_pictures(knowledge_dir / "pictures.yaml")
    ball_roll = pictures["ball-roll"]
    assert ball_roll.view is View.SOLE
    assert [(zone.name, zone.label) for zone in ball_roll.zones] == [
        ("ball", "Ball of the foot"),
        ("arch", "Arch"),
    ]
    assert ball_roll.arrows == (Stroke("heel", "ball", both_ways=True),)
    assert pictures["ankle-rotations"].view is View.SIDE
    assert pictures["ankle-rotations"].arrows == (Gesture("ankle", Motion.CIRCLE),)


def test_each_view_draws_exactly_the_zones_its_vocabulary_allows() -> None:
    for view in View:
        assert set(drawing_for(view).zones) == ZONES_BY_VIEW[view]


# --- validation -----------------------------------------------------------------------------


def test_an_unknown_zone_is_a_problem_with_file_line_and_entry(knowledge: Path) -> None:
    pictures_file = write_pictures(
        knowledge,
        """\
        heel-squeeze:
          title: Heel squeeze
          view: sole
          zones: [heel, instep]
        """,
    )
    [problem] = validate_pictures(pictures_file, {"heel-squeeze"})
    assert problem.file == "knowledge/pictures.yaml"
    assert problem.line == 4
    assert problem.entry_id == "heel-squeeze"
    assert problem.message.startswith("unknown zone 'instep'")
    assert str(problem).startswith("knowledge/pictures.yaml:4: [heel-squeeze] unknown zone")


def test_unknown_and_missing_techniques_are_problems(knowledge: Path) -> None:
    pictures_file = write_pictures(knowledge, HEEL_SQUEEZE)
    problems = validate_pictures(pictures_file, {"thumb-walking"})
    assert [(p.entry_id, p.line, p.message) for p in problems] == [
        ("heel-squeeze", 2, "unknown technique id"),
        ("thumb-walking", 1, "technique has no picture"),
    ]


def test_a_bad_view_is_a_problem(knowledge: Path) -> None:
    pictures_file = write_pictures(knowledge, HEEL_SQUEEZE.replace("view: sole", "view: top"))
    [problem] = validate_pictures(pictures_file, {"heel-squeeze"})
    assert (problem.line, problem.message) == (3, "bad view 'top' (allowed: side, sole)")


def test_a_zone_the_view_does_not_show_is_a_problem(knowledge: Path) -> None:
    pictures_file = write_pictures(knowledge, HEEL_SQUEEZE.replace("[heel]", "[heel, ankle]"))
    assert messages(validate_pictures(pictures_file, {"heel-squeeze"})) == [
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
    [problem] = validate_pictures(pictures_file, {"heel-squeeze"})
    assert problem.message.startswith(message)
    assert (problem.line, problem.entry_id) == (6, "heel-squeeze")


def test_a_zone_without_a_label_text_is_a_problem(knowledge: Path) -> None:
    labels = knowledge / "texts" / "pictures.yaml"
    labels.write_text(labels.read_text().replace("picture_zone_heel: Heel\n", ""))
    pictures_file = write_pictures(knowledge, HEEL_SQUEEZE)
    assert messages(validate_pictures(pictures_file, {"heel-squeeze"})) == [
        "no text 'picture_zone_heel' in knowledge/texts/pictures.yaml"
    ]


def test_text_the_picture_font_cannot_draw_is_a_problem(knowledge: Path) -> None:
    en_dash = "\u2013"
    pictures_file = write_pictures(knowledge, HEEL_SQUEEZE + f"  caption: Squeeze {en_dash} go\n")
    [problem] = validate_pictures(pictures_file, {"heel-squeeze"})
    assert problem.message == f"the picture font cannot draw '{en_dash}'; use plain characters"
    assert problem.line == 7


def test_broken_yaml_is_one_located_problem(knowledge: Path) -> None:
    pictures_file = write_pictures(knowledge, HEEL_SQUEEZE + "  zones: [heel\n")
    [problem] = validate_pictures(pictures_file, {"heel-squeeze"})
    assert problem.file == "knowledge/pictures.yaml"
    assert problem.message.startswith("bad YAML")


def test_loading_invalid_descriptions_raises_a_one_line_error(knowledge: Path) -> None:
    pictures_file = write_pictures(knowledge, HEEL_SQUEEZE.replace("[heel]", "[hell]"))
    with pytest.raises(PicturesError, match=r"^knowledge/pictures.yaml:4: \[heel-squeeze\]"):
        load_pictures(pictures_file)


# --- rendering ------------------------------------------------------------------------------


def test_rendering_is_deterministic_and_carries_no_metadata(knowledge_dir: Path) -> None:
    spec = load_pictures(knowledge_dir / "pictures.yaml")["pressure-points"]
    first = render_picture(spec)
    assert render_picture(spec) == first
    image = Image.open(io.BytesIO(first))
    assert (image.format, image.size) == ("PNG", (800, 800))
    assert not image.info.keys() - {"dpi"}  # no text chunks, no timestamps
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"tIME"):
        assert chunk not in first


def test_highlighted_zones_are_painted_and_others_are_not(knowledge_dir: Path) -> None:
    spec = load_pictures(knowledge_dir / "pictures.yaml")["heel-squeeze"]
    image = Image.open(io.BytesIO(render_picture(spec))).convert("RGB")
    heel = _average(image, drawing_for(View.SOLE).zones["heel"].anchor)
    arch = _average(image, drawing_for(View.SOLE).zones["arch"].anchor)
    assert _distance(heel, ZONE) < _distance(heel, SKIN)
    assert _distance(arch, SKIN) < 12


def _average(image: Image.Image, point: tuple[float, float]) -> tuple[float, ...]:
    x, y = int(point[0]), int(point[1])
    return tuple(ImageStat.Stat(image.crop((x - 12, y - 12, x + 12, y + 12))).mean)


def _distance(colour: tuple[float, ...], reference: tuple[int, int, int]) -> float:
    return max(abs(a - b) for a, b in zip(colour, reference, strict=True))


def test_render_all_writes_every_picture_then_skips_unchanged_ones(
    knowledge: Path, tmp_path: Path
) -> None:
    pictures_file = write_pictures(
        knowledge, HEEL_SQUEEZE + HEEL_SQUEEZE.replace("heel-squeeze:", "heel-squeeze-2:")
    )
    out_dir = tmp_path / "pictures"
    first = render_all(pictures_file, out_dir)
    assert first == [out_dir / "heel-squeeze.png", out_dir / "heel-squeeze-2.png"]
    written_at = {path: path.stat().st_mtime_ns for path in first}

    assert render_all(pictures_file, out_dir) == []
    assert {path: path.stat().st_mtime_ns for path in first} == written_at
    assert sorted(path.name for path in out_dir.iterdir()) == [
        "fingerprints.json",
        "heel-squeeze-2.png",
        "heel-squeeze.png",
    ]
    assert all(path.stat().st_mode & 0o777 == 0o644 for path in first)


def test_render_all_draws_nothing_when_nothing_changed(
    knowledge: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pictures_file = write_pictures(knowledge, HEEL_SQUEEZE)
    out_dir = tmp_path / "pictures"
    render_all(pictures_file, out_dir)

    def must_not_draw(spec: object) -> bytes:
        raise AssertionError("an unchanged picture was drawn again")

    monkeypatch.setattr(render, "render_picture", must_not_draw)
    assert render_all(pictures_file, out_dir) == []


def test_render_all_rewrites_changed_and_damaged_pictures(knowledge: Path, tmp_path: Path) -> None:
    pictures_file = write_pictures(knowledge, HEEL_SQUEEZE)
    out_dir = tmp_path / "pictures"
    [target] = render_all(pictures_file, out_dir)
    original = target.read_bytes()

    write_pictures(knowledge, HEEL_SQUEEZE.replace("[heel]", "[heel, arch]"))
    assert render_all(pictures_file, out_dir) == [target]
    assert target.read_bytes() != original

    target.write_bytes(b"not a picture")
    assert render_all(pictures_file, out_dir) == [target]
    assert picture_path(out_dir, "heel-squeeze") == target


# --- command line ---------------------------------------------------------------------------


def test_footbot_render_writes_all_pictures_once(
    knowledge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "out"
    arguments = ["--knowledge", str(knowledge_dir), "render", "--out", str(out_dir)]
    assert main(arguments) == 0
    assert len(list(out_dir.glob("*.png"))) == 8
    assert main(arguments) == 0
    assert capsys.readouterr().out.endswith(f"pictures up to date in {out_dir} (0 written)\n")


def test_footbot_check_reports_an_unknown_zone_with_file_and_entry(
    knowledge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    knowledge = shutil.copytree(knowledge_dir, tmp_path / "knowledge")
    pictures_file = knowledge / "pictures.yaml"
    pictures_file.write_text(pictures_file.read_text().replace("zones: [heel]", "zones: [hel]"))
    assert main(["--knowledge", str(knowledge), "check"]) == 2
    [line] = [line for line in capsys.readouterr().out.splitlines() if "unknown zone" in line]
    assert line.startswith("knowledge/pictures.yaml:")
    assert "[heel-squeeze] unknown zone 'hel'" in line
