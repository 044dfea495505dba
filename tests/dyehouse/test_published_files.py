"""The readers on the published OSP files themselves, when they are at hand.

The files carry no licence and stay out of the repository (data README §2); point
``OSP_INSTANCES`` at a folder of them (osp-ls ``instances/use-case-N``) to run these. Each file
states its own statistics after the data, an independent check that nothing was misread.
"""

import os
import re
from pathlib import Path

import pytest

from fangdu.dyehouse.osp_format import load_instance

FOLDER = Path(os.environ.get("OSP_INSTANCES", "/nonexistent"))
FILES = sorted(p for p in FOLDER.glob("*.d*") if p.suffix in (".dat", ".dzn"))

pytestmark = pytest.mark.skipif(not FILES, reason="OSP_INSTANCES not set or empty")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:40])
def test_a_published_file_agrees_with_its_own_statistics(path: Path) -> None:
    inst = load_instance(path)
    stated = dict(re.findall(r"^\s*(\w+)\s*=\s*(\d+)\s*;", path.read_text(), re.M))
    mins = [j.min_time for j in inst.jobs]
    assert int(stated["running_time_bound"]) == sum(mins)
    assert int(stated["min_duration"]) == min(mins)
    assert int(stated["max_duration"]) == max(mins)
    assert int(stated["max_setup_time"]) == max(max(r) for r in inst.setup_times)
    assert int(stated["max_setup_cost"]) == max(max(r) for r in inst.setup_costs)
    assert inst.norm_constant == int(stated["upper_bound_integer_objective"])


def test_dat_and_dzn_of_one_instance_agree() -> None:
    stems = {p.stem for p in FILES if p.suffix == ".dat"} & {
        p.stem for p in FILES if p.suffix == ".dzn"
    }
    if not stems:
        pytest.skip("no instance in both formats")
    for stem in sorted(stems):
        a, b = (load_instance(FOLDER / f"{stem}.{ext}") for ext in ("dat", "dzn"))
        assert a.model_dump(exclude={"name"}) == b.model_dump(exclude={"name"}), stem
