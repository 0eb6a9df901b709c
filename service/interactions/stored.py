"""What an interaction's last score stored, kept with its live state (interactions.live) so that the next score
writes and reads only what changed: the JSON of each score item (most items of a live call are the same from one
utterance to the next, and writing them out was a tenth of an event's cost), and the interaction's alert book.
"""

from dataclasses import dataclass, fields, replace
from typing import Any

import orjson

from service.alerts.book import AlertBook
from service.scoring.types import InteractionScore, ScoreItem, item_dict

ItemsJSON = tuple[tuple[ScoreItem, orjson.Fragment], ...]  # each item of a score with its JSON, in order

_FIELDS = tuple(f.name for f in fields(InteractionScore))


@dataclass(frozen=True, slots=True)
class Stored:
    revision: int  # the interaction row's revision that score wrote
    alerts: AlertBook | None  # used only while the row is at `revision` (see alerts.book); None: read them
    items: ItemsJSON = ()  # a cache by equality: valid whatever the revision

    def alerts_at(self, revision: int) -> AlertBook | None:
        return self.alerts if self.revision == revision else None


def _compact(written: bytes) -> bytes:
    """An exact-size copy: the bytes orjson.dumps returns keep its whole write buffer (about 4 KiB however short
    the JSON, measured with tracemalloc), and these are kept with every live state: 20 items made 46 KB a state."""
    return bytes(memoryview(written))


# Items without evidence are the same in many live calls (a rule not applicable yet, or pending until the call ends:
# 6 of the 10 items of the memory bench's calls), so they are kept once, with their JSON, for all live states: a
# table by value, emptied when full (a state keeps what it got; a miss only writes the JSON again). An item with
# evidence names the interaction's events: its own.
_SHARED: dict[ScoreItem, tuple[ScoreItem, orjson.Fragment]] = {}
_SHARED_MAX = 1024


def _written(item: ScoreItem) -> tuple[ScoreItem, orjson.Fragment]:
    known = None if item.evidence else _SHARED.get(item)
    if known is None:
        known = (item, orjson.Fragment(_compact(orjson.dumps(item_dict(item)))))
        if not item.evidence:
            if len(_SHARED) >= _SHARED_MAX:
                _SHARED.clear()
            _SHARED[item] = known
    return known


def score_document(score: InteractionScore, before: ItemsJSON) -> tuple[dict[str, Any], ItemsJSON]:
    """`score.as_dict()`, and its items' JSON: that of an item equal to the one in its place in `before` (the last
    score's) is reused, already written (orjson.Fragment: the database's JSON serialiser, orjson, embeds it)."""
    doc = replace(score, items=()).as_dict()
    items = tuple(
        old if k < len(before) and (old := before[k])[0] == item else _written(item)
        for k, item in enumerate(score.items)
    )
    if not items:
        return doc, items
    doc["items"] = [fragment for _, fragment in items]
    return {name: doc[name] for name in _FIELDS if name in doc}, items  # in as_dict's order
