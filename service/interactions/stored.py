"""What an interaction's last score stored, kept with its live state (interactions.live) so that the next score
writes and reads only what changed: the JSON of each score item (most items of a live call are the same from one
utterance to the next, and writing them out was a tenth of an event's cost), and the interaction's alert book.
"""

from dataclasses import dataclass
from typing import Any

import orjson

from service.alerts.book import AlertBook
from service.scoring.types import InteractionScore, ScoreItem, fields_json, kept_fields

ItemsJSON = tuple[tuple[ScoreItem, orjson.Fragment], ...]  # each item of a score with its JSON, in order


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


def item_json(item: ScoreItem) -> bytes:
    """The JSON of `item_dict(item)`, written by orjson from the item itself (times, status and tuples in C; each
    dataclass through `kept_fields`)."""
    return orjson.dumps(item, default=kept_fields, option=orjson.OPT_PASSTHROUGH_DATACLASS)


# Items without evidence are the same in many live calls (a rule not applicable yet, or pending until the call ends:
# 6 of the 10 items of the memory bench's calls), so all live states share one copy of their JSON: a table by
# value, emptied when full (a state keeps what it got; a miss only writes the JSON again). An item with evidence
# names the interaction's events: its own.
_SHARED: dict[ScoreItem, orjson.Fragment] = {}
_SHARED_MAX = 1024


def _written(item: ScoreItem) -> orjson.Fragment:
    known = None if item.evidence else _SHARED.get(item)
    if known is None:
        known = orjson.Fragment(_compact(item_json(item)))
        if not item.evidence:
            if len(_SHARED) >= _SHARED_MAX:
                _SHARED.clear()
            _SHARED[item] = known
    return known


def score_document(score: InteractionScore, before: ItemsJSON) -> tuple[dict[str, Any], ItemsJSON]:
    """`score.as_dict()`, and its items' JSON: that of an item equal to the one in its place in `before` (the last
    score's) is reused, already written (orjson.Fragment: the database's JSON serialiser, orjson, embeds it). An
    unchanged item is most often the very same object (the running judgement keeps it: scoring.quality._scored)."""
    items = tuple(
        (
            item,
            old[1] if k < len(before) and ((old := before[k])[0] is item or old[0] == item) else _written(item),
        )
        for k, item in enumerate(score.items)
    )
    return fields_json(score, {"items": tuple(fragment for _, fragment in items)}), items
