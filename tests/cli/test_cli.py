"""The `fangdu` command line as scripts and the held-out benchmark drive it."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from fangdu.cli.app import app

MATCH_KEYS = {
    "work_id",
    "registration_no",
    "title",
    "kind",
    "score",
    "verdict",
    "query_box",
    "match_box",
}
NUMBER = re.compile(r"FD-\d{4}-\d{7}")


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


@pytest.fixture
def fangdu(home):
    """Run the CLI in-process against ``home``; returns the click Result."""
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None):
        return runner.invoke(app, ["--home", str(home), *map(str, args)], env=env)

    return run


@pytest.fixture
def imported(fangdu, library):
    result = fangdu("import", library, "--owner", "Keqiao Prints Co.")
    assert result.exit_code == 0, result.output
    return library


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def png(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buffer, "PNG")
    return buffer.getvalue()


# -- import --------------------------------------------------------------------------------


def test_import_twice_stores_each_image_once(fangdu, library):
    first = fangdu("import", library)
    assert first.exit_code == 0
    assert "imported 6, already present 0, rejected 0" in first.stdout
    second = fangdu("import", library)
    assert "imported 0, already present 6, rejected 0" in second.stdout
    works = json_lines(fangdu("list", "--json").stdout)
    assert len(works) == 6 and all(NUMBER.fullmatch(w["registration_no"]) for w in works)


def test_bad_files_are_reported_on_one_line_each_and_skipped(fangdu, tmp_path, print_png):
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "a.png").write_bytes(print_png(1))
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (folder / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    (folder / "z.png").write_bytes(print_png(2))
    result = fangdu("import", folder)
    assert result.exit_code == 0
    assert "imported 2, already present 0, rejected 2" in result.stdout
    rejected = [line for line in result.stderr.splitlines() if line.startswith("rejected ")]
    assert len(rejected) == 2
    assert any("broken.jpg: " in line for line in rejected)
    assert any("logo.svg: SVG is a vector drawing, not a raster image" in line for line in rejected)


def test_import_of_a_missing_folder_is_a_usage_error(fangdu, tmp_path):
    result = fangdu("import", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: no such file or folder")


def test_prior_art_options_need_prior_art(fangdu, library):
    assert fangdu("import", library, "--source", "catalogue").exit_code == 2
    assert fangdu("import", library, "--prior-art", "--seen", "last spring").exit_code == 2


# -- check ---------------------------------------------------------------------------------


def test_check_json_is_one_object_per_query_and_nothing_else(fangdu, imported, tmp_path):
    queries = tmp_path / "queries"
    (queries / "sub").mkdir(parents=True)
    original = pixels(imported / "print-002.png")
    (queries / "crop.png").write_bytes(png(original[20:220, 30:230]))
    (queries / "sub" / "exact.png").write_bytes((imported / "print-004.png").read_bytes())
    (queries / "unreadable.png").write_bytes(b"garbage")
    result = fangdu("check", queries, "--json", "--top-k", "3")
    assert result.exit_code == 2  # one query could not be read
    lines = json_lines(result.stdout)
    assert [line["query"] for line in lines] == [
        str(queries / "crop.png"),
        str(queries / "sub" / "exact.png"),
        str(queries / "unreadable.png"),
    ]
    crop, exact, unreadable = lines
    assert set(crop) == {"query", "matches"}
    assert set(unreadable) == {"query", "error", "matches"} and unreadable["matches"] == []
    assert unreadable["error"]
    for line in (crop, exact):
        assert 1 <= len(line["matches"]) <= 3
        scores = [m["score"] for m in line["matches"]]
        assert scores == sorted(scores, reverse=True)
        for match in line["matches"]:
            assert set(match) == MATCH_KEYS
            assert 0.0 <= match["score"] <= 1.0 and match["kind"] == "work"
            assert match["verdict"] in {"copy", "similar", "none"}
            for box in (match["query_box"], match["match_box"]):
                assert box is None or (len(box) == 4 and all(isinstance(v, int) for v in box))
    assert crop["matches"][0]["title"] == "print-002" and crop["matches"][0]["verdict"] == "copy"
    assert exact["matches"][0]["title"] == "print-004"
    assert NUMBER.fullmatch(exact["matches"][0]["registration_no"])
    assert "could not be read" in result.stderr


def test_check_without_json_prints_a_table(fangdu, imported):
    result = fangdu("check", imported / "print-001.png", "--top-k", "2")
    assert result.exit_code == 0
    assert "print-001" in result.stdout and "copy" in result.stdout


def test_prior_art_matches_have_no_registration_number(fangdu, imported, tmp_path, print_png):
    market = tmp_path / "market"
    market.mkdir()
    (market / "stall.png").write_bytes(print_png(30))
    result = fangdu(
        "import", market, "--prior-art", "--source", "stall photo", "--seen", "2023-04-01"
    )
    assert result.exit_code == 0
    [line] = json_lines(fangdu("check", market / "stall.png", "--json").stdout)
    best = line["matches"][0]
    assert (best["kind"], best["registration_no"], best["title"]) == ("prior_art", None, "stall")
    shown = json.loads(fangdu("show", f"P-{best['work_id']}", "--json").stdout)
    assert (shown["source"], shown["first_seen"]) == ("stall photo", "2023-04-01")


def test_explain_writes_a_side_by_side_png(fangdu, imported, tmp_path):
    out = tmp_path / "explained"
    result = fangdu("check", imported / "print-003.png", "--json", "--explain", out)
    assert result.exit_code == 0 and len(json_lines(result.stdout)) == 1
    [picture] = out.iterdir()
    assert picture.name == "print-003.explain.png"
    with Image.open(picture) as image:
        width, height = image.size
    assert width > height > 0


def test_index_rebuild_gives_the_same_results(fangdu, imported, home):
    query = imported / "print-001.png"
    before = fangdu("check", query, "--json").stdout
    rebuilt = fangdu("index", "rebuild")
    assert rebuilt.exit_code == 0 and "indexed 6 references" in rebuilt.stdout
    assert fangdu("check", query, "--json").stdout == before
    for path in (home / "index").iterdir():
        path.unlink()  # lost index: healed from the database on the next start
    assert fangdu("check", query, "--json").stdout == before


# -- register ------------------------------------------------------------------------------


def test_register_prints_the_registration_number(fangdu, imported, tmp_path, print_png):
    design = tmp_path / "new.png"
    design.write_bytes(print_png(99))
    result = fangdu(
        "register",
        design,
        "--title",
        "Lotus",
        "--owner",
        "Lin Textiles",
        "--designer",
        "Wang Fang",
        "--created",
        "2025-02-01",
    )
    assert result.exit_code == 0, result.output
    [number] = NUMBER.findall(result.stdout)
    shown = json.loads(fangdu("show", number, "--json").stdout)
    assert (shown["title"], shown["owner"], shown["designers"], shown["created_on"]) == (
        "Lotus",
        "Lin Textiles",
        ["Wang Fang"],
        "2025-02-01",
    )


def test_register_refuses_a_copy_with_exit_3_then_files_it_for_review(fangdu, imported, tmp_path):
    copy = tmp_path / "copy.png"
    copy.write_bytes(png(pixels(imported / "more" / "print-005.png")[:, ::-1]))
    refused = fangdu("register", copy, "--title", "Mine now", "--owner", "Copycat")
    assert refused.exit_code == 3
    assert "print-005" in refused.stdout  # the evidence
    [error] = refused.stderr.strip().splitlines()
    assert error.startswith("error: refused: the image copies FD-")
    assert len(json_lines(fangdu("list", "--json").stdout)) == 6  # nothing written

    filed = fangdu(
        "register",
        copy,
        "--title",
        "Mine now",
        "--owner",
        "Copycat",
        "--submit-for-review",
        "--json",
    )
    assert filed.exit_code == 0
    [outcome] = json_lines(filed.stdout)
    assert outcome["status"] == "pending" and outcome["work"]["registration_no"] is None
    assert outcome["work"]["review_matches"][0]["title"] == "print-005"
    pending = json_lines(fangdu("list", "--json", "--status", "pending").stdout)
    assert [w["id"] for w in pending] == [outcome["work"]["id"]]

    # A reviewer decides: a rejection needs reasons; a decided application is final.
    work = str(outcome["work"]["id"])
    assert fangdu("reject", work).exit_code == 2
    rejected = fangdu("reject", work, "--reason", "copies print-005", "--reviewer", "r1")
    assert rejected.exit_code == 0, rejected.stderr
    again = fangdu("approve", work)
    assert again.exit_code == 1 and "rejected" in again.stderr
    [shown] = json_lines(fangdu("show", work, "--json").stdout)
    assert shown["status"] == "rejected" and shown["decision_reason"] == "copies print-005"


def test_register_of_an_unreadable_image_is_an_input_error(fangdu, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"")
    result = fangdu("register", bad, "--title", "t", "--owner", "o")
    assert result.exit_code == 2 and result.stderr.strip() == "error: empty file"


def test_register_rejects_a_malformed_date(fangdu, tmp_path, print_png):
    design = tmp_path / "d.png"
    design.write_bytes(print_png(1))
    result = fangdu("register", design, "--title", "t", "--owner", "o", "--created", "01/02/25")
    assert result.exit_code == 2 and "--created" in result.stderr


# -- show, list, settings ------------------------------------------------------------------


def test_show_and_list(fangdu, imported):
    works = json_lines(fangdu("list", "--json").stdout)
    assert sorted(w["title"] for w in works) == [f"print-{i:03d}" for i in range(6)]
    assert {w["kind"] for w in works} == {"work"}
    first = works[0]
    by_id = fangdu("show", str(first["id"]))
    assert by_id.exit_code == 0 and first["registration_no"] in by_id.stdout
    assert json.loads(fangdu("show", first["registration_no"], "--json").stdout) == first | {
        "review_matches": []
    }
    assert "print-000" in fangdu("list").stdout
    assert fangdu("list", "--prior-art", "--json").stdout == ""


def test_show_errors_have_exit_codes(fangdu, imported):
    missing = fangdu("show", "W-4242")
    assert missing.exit_code == 1 and missing.stderr.strip() == "error: no work W-4242"
    assert fangdu("show", "nonsense").exit_code == 2


def test_fangdu_home_comes_from_the_environment_unless_given(tmp_path, library):
    runner = CliRunner()
    env_home = tmp_path / "from-env"
    result = runner.invoke(app, ["import", str(library)], env={"FANGDU_HOME": str(env_home)})
    assert result.exit_code == 0 and (env_home / "fangdu.sqlite3").exists()
    flag_home = tmp_path / "from-flag"
    # `db upgrade` writes (reading commands create nothing, not even a database).
    runner.invoke(
        app, ["--home", str(flag_home), "db", "upgrade"], env={"FANGDU_HOME": str(env_home)}
    )
    assert (flag_home / "fangdu.sqlite3").exists()


def test_the_cli_works_on_postgresql_too(fangdu, library, postgres_url):
    env = {"FANGDU_DATABASE_URL": postgres_url}
    assert fangdu("import", library, env=env).exit_code == 0
    [line] = json_lines(fangdu("check", library / "print-001.png", "--json", env=env).stdout)
    assert line["matches"][0]["title"] == "print-001"
    assert len(json_lines(fangdu("list", "--json", env=env).stdout)) == 6
    assert fangdu("list", "--json").stdout == ""  # the SQLite default was not touched


def test_ledger_export_to_an_unwritable_place_is_one_input_error(fangdu, imported, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = fangdu("ledger", "export", blocker / "log")
    assert result.exit_code == 2
    [error] = result.stderr.strip().splitlines()
    assert error.startswith("error: cannot write")
    exported = fangdu("ledger", "export", tmp_path / "log")
    assert exported.exit_code == 0 and (tmp_path / "log" / "checkpoint").is_file()
