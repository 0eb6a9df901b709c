"""What callqa knows of one interaction's alerts: each dedup key raised, with its state.

A live interaction keeps its book with its live state (interactions.stored), read at one revision of the
interaction's row, so that a rescore whose breaches change nothing reads and writes no alert. The book is a cache
of what is committed, never a source of truth, and only safe to skip work on:
- alerts are raised, reopened and withdrawn only by a score, under the interaction's row lock, and every score
  writes a new revision: a book of another revision is not used (another process may have scored it);
- between two scores only people change an interaction's alerts (acknowledge, resolve through the API), which
  never makes a breach need raising or reopening, and at most removes an alert from those to withdraw: a book is
  only ever used to find that there is nothing to do, and every change it calls for is made on rows read again,
  locked.
"""

from collections.abc import Mapping
from typing import NamedTuple


class Known(NamedTuple):
    """One alert of the interaction, as the alert services decide on it."""

    state: str  # open | acknowledged | resolved
    resolved_by: str | None
    standard_version: str
    subject_kind: str  # interaction; review (an overdue review case about it)


AlertBook = Mapping[str, Known]  # by dedup key
