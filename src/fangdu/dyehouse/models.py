"""The dye-house vat scheduling problem (印染排缸) as data: lots, vats, weights and plans.

It is the Oven Scheduling Problem (Lackner et al., Constraints 2023) in dyeing words: a job is a
lot (缸卡), a machine a dyeing vat (染缸), an attribute a recipe/shade class, a setup a vat wash
(洗缸). Machine, job and attribute ids are 1-based, exactly as in the OSP files; times are the
file's integer units (minutes).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from fangdu.errors import InputError


class ScheduleInputError(InputError):
    """An instance or plan that cannot be used; the message names the line, field or lot."""


class Machine(BaseModel):
    """A dyeing vat: load limits, the class left in it at time 0 and its availability windows."""

    model_config = ConfigDict(frozen=True)

    min_cap: int = Field(ge=0)
    max_cap: int = Field(gt=0)
    init_state: int = Field(ge=1, description="recipe class left in the vat at time 0")
    shifts: tuple[tuple[int, int], ...] = Field(description="sorted, disjoint [start, end) windows")


class Job(BaseModel):
    """A lot: eligible vats, release (grey fabric arrives), due time, program length, weight."""

    model_config = ConfigDict(frozen=True)

    eligible: tuple[int, ...]
    release: int = Field(ge=0)
    due: int
    min_time: int = Field(ge=0)
    max_time: int = Field(ge=0)
    size: int = Field(ge=0)
    attribute: int = Field(ge=1)


class Weights(BaseModel):
    """Integer weights of the objective (documented in docs/DYEHOUSE.md)."""

    model_config = ConfigDict(frozen=True)

    runtime: int = Field(default=4, ge=0)
    late: int = Field(default=100, ge=0)
    setup_time: int = Field(default=0, ge=0)
    setup_cost: int = Field(default=1, ge=0)


class Instance(BaseModel):
    """One planning problem. Matrices are a×a: ``setup_costs[p-1][q-1]`` is the wash p → q."""

    model_config = ConfigDict(frozen=True)

    name: str = "instance"
    horizon: int = Field(gt=0)
    n_attributes: int = Field(ge=1)
    setup_costs: tuple[tuple[int, ...], ...]
    setup_times: tuple[tuple[int, ...], ...]
    machines: tuple[Machine, ...]
    jobs: tuple[Job, ...]
    weights: Weights = Weights()
    norm_constant: int | None = Field(
        default=None, gt=0, description="upper_bound_integer_objective; None: computed"
    )

    @model_validator(mode="after")
    def _check(self) -> Instance:
        a, k = self.n_attributes, len(self.machines)
        for label, mat in (("setup_costs", self.setup_costs), ("setup_times", self.setup_times)):
            if len(mat) != a or any(len(row) != a for row in mat):
                raise ScheduleInputError(f"{label}: expected a {a}×{a} matrix")
            if any(v < 0 for row in mat for v in row):
                raise ScheduleInputError(f"{label}: negative entry")
        for i, m in enumerate(self.machines, 1):
            if m.init_state > a:
                raise ScheduleInputError(f"machine {i}: unknown initial class {m.init_state}")
            if m.min_cap > m.max_cap:
                raise ScheduleInputError(f"machine {i}: min load {m.min_cap} > max {m.max_cap}")
            if not m.shifts:
                raise ScheduleInputError(f"machine {i}: no availability window")
            prev = 0
            for s, e in m.shifts:
                if s >= e or s < prev or e > self.horizon:
                    raise ScheduleInputError(
                        f"machine {i}: window [{s}, {e}] empty, overlapping or past horizon"
                    )
                prev = e
        for j, job in enumerate(self.jobs, 1):
            if job.attribute > a:
                raise ScheduleInputError(f"lot {j}: unknown recipe class {job.attribute}")
            if not job.eligible or any(not 1 <= m <= k for m in job.eligible):
                raise ScheduleInputError(
                    f"lot {j}: eligible vats {list(job.eligible)} not in 1..{k}"
                )
            if job.due < job.release:
                raise ScheduleInputError(f"lot {j}: due {job.due} before release {job.release}")
            if job.min_time > job.max_time:
                raise ScheduleInputError(
                    f"lot {j}: min program {job.min_time} > max {job.max_time}"
                )
            if all(job.size > self.machines[m - 1].max_cap for m in job.eligible):
                raise ScheduleInputError(
                    f"lot {j}: weight {job.size} exceeds every eligible vat's max load"
                )
        return self

    def setup_cost(self, prev: int, nxt: int) -> int:
        return self.setup_costs[prev - 1][nxt - 1]

    def setup_time(self, prev: int, nxt: int) -> int:
        return self.setup_times[prev - 1][nxt - 1]

    @property
    def normaliser(self) -> int:
        """The OSP normalisation constant; without one, a worst-case bound of our own."""
        if self.norm_constant is not None:
            return self.norm_constant
        w = self.weights
        max_sc = max(max(r) for r in self.setup_costs)
        max_st = max(max(r) for r in self.setup_times)
        n = len(self.jobs)
        bound = (
            w.runtime * sum(j.max_time for j in self.jobs)
            + w.late * n
            + w.setup_cost * max_sc * n
            + w.setup_time * max_st * n
        )
        return max(bound, 1)


class Batch(BaseModel):
    """One run (缸次): lots of one class dyed together on one vat from start to end."""

    model_config = ConfigDict(frozen=True)

    machine: int
    start: int
    end: int
    jobs: tuple[int, ...]
    attribute: int


class Objective(BaseModel):
    runtime: int
    late_jobs: int
    setup_cost: int
    setup_time: int
    integer: int
    normalised: float


class Plan(BaseModel):
    """A schedule in the issue's JSON shape (objective optional on input)."""

    instance: str
    batches: tuple[Batch, ...]
    objective: Objective | None = None
