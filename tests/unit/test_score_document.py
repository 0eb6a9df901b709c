"""interactions.stored.score_document writes exactly what InteractionScore.as_dict does, key order included,
whichever of the last score's items it reuses."""

import tracemalloc
from datetime import timedelta

import orjson

from service.interactions.stored import ItemsJSON, item_json, score_document
from service.scoring.quality import score_interaction
from service.scoring.types import item_dict
from tests.factories import call, standard

TURNS = [
    ("agent", "Hello, thank you for calling Acme. My name is Ann, how can I help?"),
    ("customer", "My internet has been down for two days, I am really frustrated and angry."),
    ("agent", "May I put you on hold for a moment while I run a test?"),
    ("customer", "This is ridiculous."),
    ("agent", "I'm so sorry about that. It should work now."),
    ("agent", "Thank you for calling, have a great day!"),
]


def test_each_score_of_a_growing_call_is_written_as_as_dict_writes_it() -> None:
    std = standard()
    events = call("c1", answered=30, utterances=[(s, t, 9000 * (i + 1)) for i, (s, t) in enumerate(TURNS)],
                  holds=[(50, 200)], ended=260)  # fmt: skip
    before: ItemsJSON = ()
    reused = 0
    for n in range(1, len(events) + 1):
        now = events[n - 1].occurred_at + timedelta(seconds=1)
        score = score_interaction(events[:n], std, now, per_utterance=False)
        document, items = score_document(score, before)
        written = orjson.loads(orjson.dumps(document))
        assert written == score.as_dict() and list(written) == list(score.as_dict()), f"after {n} events"
        assert [i for i, _ in items] == list(score.items)
        reused += sum(a[1] is b[1] for a, b in zip(before, items, strict=False))
        before = items
    assert reused > 0, "unchanged items were reused"


def test_the_json_kept_with_a_live_state_holds_no_more_than_its_bytes() -> None:
    """orjson.dumps answers with bytes that keep its whole write buffer (about 4 KiB); kept with every live state
    for each item, that made a live state 46 KB (bench/memory.py: serve at 855 MiB after 100,000 calls)."""
    events = call("c1", answered=30, utterances=[("agent", TURNS[0][1], 9000)])
    score = score_interaction(events, standard(), events[-1].occurred_at + timedelta(seconds=40), per_utterance=False)
    tracemalloc.start()
    try:
        _, items = score_document(score, ())
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    written = sum(len(orjson.dumps(item_dict(item))) for item in score.items)
    assert held < written + 600 * len(items), (held, written, len(items))


def test_an_item_is_written_byte_for_byte_as_its_dict() -> None:
    """item_json lets orjson write times, statuses and tuples itself: the same bytes as the dict _jsonable makes."""
    events = call("c1", answered=30, utterances=[(s, t, 9000 * (i + 1)) for i, (s, t) in enumerate(TURNS)],
                  holds=[(50, 200)], ended=260)  # fmt: skip
    for n in range(1, len(events) + 1):
        score = score_interaction(events[:n], standard(), events[n - 1].occurred_at + timedelta(seconds=1))
        assert score.items
        for item in score.items:
            assert item_json(item) == orjson.dumps(item_dict(item)), item.id
