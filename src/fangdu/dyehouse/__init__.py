"""Dye-house vat scheduling (印染排缸): a bounded context that imports nothing of the registry.

Lots go into runs on dyeing vats, runs are ordered with washes between them; the problem is the
Oven Scheduling Problem, so the OSP benchmark files and published values are our yardstick.
"""

from fangdu.dyehouse.generator import generate
from fangdu.dyehouse.greedy import ScheduleInfeasible, greedy
from fangdu.dyehouse.models import (
    Batch,
    Instance,
    Job,
    Machine,
    Objective,
    Plan,
    ScheduleInputError,
    Weights,
)
from fangdu.dyehouse.osp_format import load_instance, parse_osp
from fangdu.dyehouse.validate import Rule, Violation, objective, validate

__all__ = [
    "Batch",
    "Instance",
    "Job",
    "Machine",
    "Objective",
    "Plan",
    "Rule",
    "ScheduleInfeasible",
    "ScheduleInputError",
    "Violation",
    "Weights",
    "generate",
    "greedy",
    "load_instance",
    "objective",
    "parse_osp",
    "validate",
]
