"""The standards in force by time: what a running process judges with, instead of one standard.

An interaction is judged by the version in force when it started, and keeps it: a version activated later applies
to interactions that start from its effective time on. Pure: the activations and parsed versions are handed in
(service.standards.service.refresh reads them from the database).
"""

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from service.standards.schema import Standard


@dataclass(frozen=True, slots=True)
class Activation:
    version: str
    effective_at: datetime


@dataclass(frozen=True, slots=True)
class _State:
    by_version: Mapping[str, Standard]
    timeline: tuple[Activation, ...]  # by effective time, then activation order: the later of a tie wins
    starts: tuple[datetime, ...]


class StandardBook:
    """Every version that may judge, and from when each judges new interactions.

    `update` swaps the whole state in one assignment: a reader in another thread sees the old state or the new
    one, never a mix. `base` (the standards file this process started with) judges while there is no activation.
    """

    __slots__ = ("_state", "base", "stamp")

    def __init__(self, base: Standard) -> None:
        self.base = base
        self._state = _State({base.version: base}, (), ())
        # What the database's activations and versions looked like when the book was last brought up to them
        # (service.standards.service.refresh reads them again only when it changed).
        self.stamp: tuple[int, ...] | None = None

    def in_force_at(self, moment: datetime) -> Standard:
        """The version for an interaction that starts at `moment` (before the first activation: the first one)."""
        state = self._state
        if not state.timeline:
            return self.base
        i = max(bisect_right(state.starts, moment) - 1, 0)
        return state.by_version[state.timeline[i].version]

    def version(self, version: str) -> Standard | None:
        return self._state.by_version.get(version)

    def known(self) -> frozenset[str]:
        return frozenset(self._state.by_version)

    @property
    def timeline(self) -> tuple[Activation, ...]:
        return self._state.timeline

    def update(self, timeline: Sequence[Activation], parsed: Mapping[str, Standard]) -> None:
        """`timeline` in activation order; `parsed` adds versions not known yet (a version never changes)."""
        by_version = {**self._state.by_version, **parsed}
        missing = sorted({a.version for a in timeline} - set(by_version))
        if missing:
            raise ValueError(f"activations name standard versions not given: {', '.join(missing)}")
        ordered = tuple(sorted(timeline, key=lambda a: a.effective_at))  # stable: activation order within a tie
        self._state = _State(by_version, ordered, tuple(a.effective_at for a in ordered))
