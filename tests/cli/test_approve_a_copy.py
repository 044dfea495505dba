"""`fangdu approve` of an application the check calls a copy needs --reason (issue 12, #13)."""

from __future__ import annotations

import io
import json

import numpy as np
from PIL import Image
from typer.testing import CliRunner

from fangdu.cli.app import app


def test_approving_a_copy_needs_a_reason(tmp_path, library):
    runner = CliRunner()

    def fangdu(*args: object):
        return runner.invoke(app, ["--home", str(tmp_path / "home"), *map(str, args)])

    assert fangdu("import", library, "--owner", "Keqiao Prints Co.").exit_code == 0
    with Image.open(library / "more" / "print-005.png") as image:
        mirrored = np.asarray(image.convert("RGB"))[:, ::-1]
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(mirrored)).save(buffer, "PNG")
    copy = tmp_path / "copy.png"
    copy.write_bytes(buffer.getvalue())
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
    work = str(json.loads(filed.stdout)["work"]["id"])

    bare = fangdu("approve", work)
    assert bare.exit_code != 0 and "copy needs a written reason" in bare.stderr
    approved = fangdu("approve", work, "--reason", "licensed from Keqiao Prints Co.")
    assert approved.exit_code == 0, approved.stderr
    shown = json.loads(fangdu("show", work, "--json").stdout)
    assert shown["decision_reason"] == "licensed from Keqiao Prints Co."
