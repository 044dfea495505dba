from pathlib import Path

import pytest

from fangdu.dyehouse.models import Instance, Plan
from fangdu.dyehouse.osp_format import load_instance

DATA = Path(__file__).parent / "data"


@pytest.fixture
def tiny() -> Instance:
    return load_instance(DATA / "tiny.dat")


@pytest.fixture
def tiny_plan() -> Plan:
    return Plan.model_validate_json((DATA / "plan.json").read_text())
