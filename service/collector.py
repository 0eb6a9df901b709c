"""Python's cyclic garbage collector, set for a long-running serve or consume process.

With the interpreter's defaults (a young-generation collection every 700 new container objects), the collector
took about 18 % of the Kafka pipeline's CPU (a `record_events` harness on the benchmark's mix: 204 µs per event,
167 µs with the setting below, 160 µs with the collector off): every batch makes tens of thousands of short-lived
dicts, tuples and dataclasses, and each collection also walks what survived the previous ones. Two remedies:
- a larger young generation (CALLQA_GC_YOUNG_OBJECTS): the same garbage, collected in fewer, larger passes;
- `gc.freeze()` once start-up is done: the modules, the lexicons and the phrase packs are never garbage, so the
  full collections stop walking them.
Only the process entry points call this: tests open many runtimes in one process, and freezing each time would
keep every earlier test's garbage for good.
"""

import gc


def settle_after_start(young_objects: int) -> None:
    """Freeze what start-up made and collect the young generation every `young_objects` new objects (0: keep
    Python's default)."""
    gc.collect()
    gc.freeze()
    if young_objects > 0:
        _, middle, old = gc.get_threshold()
        gc.set_threshold(young_objects, middle, old)
