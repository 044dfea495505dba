"""The OSP readers: both formats, the traps of README §3–4, and precise errors."""

from pathlib import Path

import pytest

from fangdu.dyehouse.models import ScheduleInputError
from fangdu.dyehouse.osp_format import load_instance, parse_osp

DATA = Path(__file__).parent / "data"
DAT = (DATA / "tiny.dat").read_text()
DZN = (DATA / "tiny.dzn").read_text()


def test_dat_and_dzn_read_the_same_instance() -> None:
    a, b = load_instance(DATA / "tiny.dat"), load_instance(DATA / "tiny.dzn")
    assert a.model_dump(exclude={"name"}) == b.model_dump(exclude={"name"})


def test_dummy_row_is_first_in_dat_and_last_in_dzn() -> None:
    inst = parse_osp(DAT, fmt="dat")
    # .dat rows after the dummy: [1, 3], [2, 1]; the .dzn has the same rows before its dummy.
    assert inst.setup_costs == ((1, 3), (2, 1))
    assert inst.setup_times == ((0, 4), (2, 1))


def test_zero_length_padding_window_is_dropped() -> None:
    inst = parse_osp(DAT, fmt="dat")
    assert inst.machines[1].shifts == ((5, 40),)
    assert inst.machines[0].shifts == ((0, 50), (60, 100))


def test_min_load_and_weights_are_read() -> None:
    inst = parse_osp(DZN, fmt="dzn")
    assert [m.min_cap for m in inst.machines] == [0, 3]
    assert inst.weights.runtime == 12 and inst.weights.late == 2400
    assert inst.weights.setup_cost == 8 and inst.weights.setup_time == 0
    assert inst.norm_constant == 12600


def test_trailing_commas_and_spaces_are_tolerated() -> None:
    text = DZN.replace("size=[4,5,3,2,6];", "size = [ 4, 5, 3, 2, 6, ] ;")
    assert parse_osp(text, fmt="dzn").jobs[4].size == 6


def test_the_dat_dummy_row_in_the_wrong_place_is_refused() -> None:
    text = DAT.replace(
        "SetupCosts=[[0, 0], [1, 3], [2, 1]];", "SetupCosts=[[1, 3], [2, 1], [0, 0]];"
    )
    with pytest.raises(ScheduleInputError, match=r"line 3: field SetupCosts: the first row"):
        parse_osp(text, fmt="dat", where="x.dat")


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        (
            "JobSize=[4, 5, 3, 2, 6];",
            "JobSize=[4, 5, 3, 2];",
            r"tiny.dat line 19: field JobSize: expected 5 values, got 4",
        ),
        ("MaxCap=[10, 8];", "MaxCap=[10, x];", r"line 7: field MaxCap: unexpected text"),
        ("Attribute=[1, 1, 2, 2, 1];", "Attribute=[1, 1, 2, 2, 3];", r"unknown recipe class 3"),
        ("LatestEnd=[20,", "LatestEnd=[-1,", r"lot 1: due -1 before release 0"),
        ("nJobs=5;", "", r"field nJobs missing"),
        ("JobSize=[4, 5, 3, 2, 6];", "JobSize=[4, 50, 3, 2, 6];", r"lot 2: weight 50 exceeds"),
        (
            "ShiftEndTimes = [[50, 100], [0, 40]];",
            "ShiftEndTimes = [[50, 100], [0, 5]];",
            r"machine 2: no availability window",
        ),
        ("MinTime=[10,", "MinTime=[30,", r"lot 1: min program 30 > max 20"),
        ("EligibleMachines = [{1, 2},", "EligibleMachines = [{1, 3},", r"lot 1: eligible vats"),
        ("nShifts=2;", "nShifts=2", r"tiny.dat line 10: field nShifts: unexpected text"),
        (
            "ShiftEndTimes = [[50, 100], [0, 40]];",
            "ShiftEndTimes = [[50, 100], [0, 4]];",
            r"machine 2: a window ends before it starts",
        ),
    ],
)
def test_bad_input_is_named_precisely(old: str, new: str, needle: str) -> None:
    assert old in DAT
    with pytest.raises(ScheduleInputError, match=needle):
        parse_osp(DAT.replace(old, new), fmt="dat", where="tiny.dat")


def test_unknown_extension_and_json_round_trip(tmp_path: Path) -> None:
    inst = load_instance(DATA / "tiny.dat")
    (tmp_path / "t.json").write_text(inst.model_dump_json())
    assert load_instance(tmp_path / "t.json") == inst
    (tmp_path / "t.txt").write_text("x")
    with pytest.raises(ScheduleInputError, match="unknown format"):
        load_instance(tmp_path / "t.txt")
