"""The case state machine (``transitions``): which step may follow which, and nothing else.

draft → reviewed → notice_sent → responded → licensed | paid_and_removed | mediation |
litigation | withdrawn | rejected. A named reviewer's decision is the only way out of draft
(a reason code of "proceed" reviews it, any other rejects it), so no notice leaves unreviewed.
"""

from __future__ import annotations

from transitions import Machine, MachineError

from fangdu.disputes.errors import Refused
from fangdu.disputes.models import CASE_STATES

# (trigger, sources, destination)
TRANSITIONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("review", ("draft",), "reviewed"),
    ("reject", ("draft",), "rejected"),
    ("send_notice", ("reviewed",), "notice_sent"),
    ("respond", ("notice_sent",), "responded"),
    ("close_licensed", ("responded", "mediation"), "licensed"),
    ("close_paid", ("notice_sent", "responded", "mediation"), "paid_and_removed"),
    ("mediate", ("notice_sent", "responded"), "mediation"),
    ("litigate", ("notice_sent", "responded", "mediation"), "litigation"),
    ("withdraw", ("draft", "reviewed", "notice_sent", "responded", "mediation"), "withdrawn"),
)
FINAL = ("licensed", "paid_and_removed", "litigation", "withdrawn", "rejected")


class _Case:
    state: str


def next_state(state: str, trigger: str) -> str:
    """The state ``trigger`` leads to from ``state``; Refused if the machine forbids it."""
    model = _Case()
    Machine(
        model=model,
        states=list(CASE_STATES),
        transitions=[{"trigger": t, "source": list(s), "dest": d} for t, s, d in TRANSITIONS],
        initial=state,
        auto_transitions=False,
    )
    try:
        getattr(model, trigger)()
    except (MachineError, AttributeError):
        allowed = [t for t, sources, _ in TRANSITIONS if state in sources]
        raise Refused(
            f"a case in state {state} cannot {trigger.replace('_', ' ')}"
            + (f" (it can: {', '.join(allowed)})" if allowed else " (it is closed)")
        ) from None
    return model.state
