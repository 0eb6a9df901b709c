"""What live states keep in memory is bounded and shared where it can be (see the README's Memory section)."""

import gc
import tracemalloc
from dataclasses import replace
from datetime import timedelta

import orjson

from service.interactions import stored
from service.interactions.stored import ItemsJSON, score_document
from service.scoring.quality import score_interaction
from service.scoring.types import InteractionScore
from tests.factories import call, standard

GREETING = "Thank you for calling Acme, my name is Ann. How can I help you today?"


def _scores(n: int) -> list[InteractionScore]:
    """`n` live calls, each answered at its own time, with a customer turn of its own."""
    std = standard()
    out = []
    for i in range(n):
        turns = [("agent", GREETING, 2000), ("customer", f"my parcel {i} never came and I am upset about it", 7000)]
        events = [
            replace(e, occurred_at=e.occurred_at + timedelta(seconds=13 * i))
            for e in call(f"c{i}", answered=5, utterances=turns)
        ]
        out.append(score_interaction(events, std, events[-1].occurred_at + timedelta(seconds=1), per_utterance=False))
    return out


def test_the_json_of_items_without_evidence_is_kept_once_for_all_live_states() -> None:
    scores = _scores(50)
    kept = [score_document(s, ())[1] for s in scores]
    shared = [k for k, (item, _) in enumerate(kept[0]) if not item.evidence]
    assert shared, "the bench-like call has items not applicable or pending"
    for items in kept[1:]:
        for k in shared:
            assert items[k][1] is kept[0][k][1]
    owned = [k for k, (item, _) in enumerate(kept[0]) if item.evidence]
    assert all(kept[0][k][1] is not kept[1][k][1] for k in owned)


def test_live_states_keep_the_json_of_their_own_items_only() -> None:
    """Measured with tracemalloc: what score_document allocates and keeps for 200 calls' items, against the JSON of
    the items with evidence (each call's own); without the shared table it is about twice as much."""
    scores = _scores(200)
    stored._SHARED.clear()
    gc.collect()
    tracemalloc.start()
    try:
        kept: list[ItemsJSON] = [score_document(s, ())[1] for s in scores]
        gc.collect()
        snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, stored.__file__)])
    finally:
        tracemalloc.stop()
    held = sum(stat.size for stat in snapshot.statistics("filename"))
    every = sum(len(orjson.dumps(f)) for items in kept for _, f in items)
    own = sum(len(orjson.dumps(f)) for items in kept for item, f in items if item.evidence)
    assert own < every * 0.75, (own, every)
    slots = sum(len(items) for items in kept)  # each item's (item, JSON) pair and the JSON's wrapper
    assert held < own + 120 * slots + 30_000, (held, own, every)


def test_the_shared_item_table_is_bounded() -> None:
    stored._SHARED.clear()
    for s in _scores(20):
        for i in range(stored._SHARED_MAX // 5):
            score_document(replace(s, items=tuple(replace(item, detail=f"{item.detail} {i}") for item in s.items)), ())
            assert len(stored._SHARED) <= stored._SHARED_MAX
