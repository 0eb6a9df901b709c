"""A review case's states and the changes allowed between them. PURE.

open -> investigating -> action_planned -> verified -> closed. A case found to need no action (the cause was
outside the agent's control, say) may close from investigating, with its root cause recorded.
"""

STATUSES = ("open", "investigating", "action_planned", "verified", "closed")
ACTIVE = ("open", "investigating")  # not yet reviewed: these become overdue
_NEXT = {
    "open": ("investigating",),
    "investigating": ("action_planned", "closed"),
    "action_planned": ("verified",),
    "verified": ("closed",),
    "closed": (),
}


def next_statuses(current: str) -> tuple[str, ...]:
    """Where a case may go from `current` (the console offers only these)."""
    return _NEXT[current]


class IllegalChange(ValueError):
    """A change the case's state does not allow; the message says what would be allowed."""


def check_transition(
    current: str, target: str, *, root_cause: str | None, actions: int, unverified_actions: int
) -> None:
    if target not in _NEXT[current]:
        allowed = ", ".join(_NEXT[current]) or "nothing (the case is closed)"
        raise IllegalChange(f"a case that is {current} cannot become {target}; from {current}: {allowed}")
    if target in ("action_planned", "closed") and root_cause is None:
        raise IllegalChange(f"set the root cause before the case becomes {target}")
    if target == "action_planned" and actions == 0:
        raise IllegalChange("add a corrective action before the case becomes action_planned")
    if target == "verified" and unverified_actions:
        raise IllegalChange(f"{unverified_actions} corrective action(s) not verified yet")
