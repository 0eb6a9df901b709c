"""`callqa consume` with an observer: a consumer process of bench/kafka_latency.py.

    python bench/observed_consumer.py DELAYS   (settings from CALLQA_* variables, as `callqa consume`)

The same run_consumer, settings and logging as `callqa consume`, writing after each batch commits occurred_at ->
committed of each offered event (not the warm-up's), and for each alert raised the commit time of its batch and
the occurred_at of the event that raised it (see trigger()). It imports only the
tree it sits in, so kafka_latency.py --against REV copies it into that revision's tree and measures that code.
"""

import logging
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from consumers.loop import Committed  # noqa: E402
from consumers.runner import run_consumer  # noqa: E402
from service.alerts.models import Alert  # noqa: E402
from service.config import Settings  # noqa: E402


def consume_observed(delays: Path) -> int:
    settings = Settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with delays.open("a") as out:

        def committed(done: Committed) -> None:
            lines = [
                f"event {(done.committed_at - e.occurred_at).total_seconds():.4f}\n"
                for e in done.events
                if "-warm" not in e.interaction_id
            ]
            at, times = done.committed_at.timestamp(), defaultdict(list)
            for e in done.events:
                times[e.interaction_id].append(e.occurred_at.timestamp())
            lines += [f"alert {a.dedup_key} {at:.4f} {trigger(a, times):.4f}\n" for a in done.alerts]
            out.writelines(lines)
            out.flush()

        return run_consumer(settings, on_commit=committed)


def trigger(alert: Alert, times: dict[str, list[float]]) -> float:
    """occurred_at of the event that raised `alert` (0: none): the first of its interaction's events in the batch
    at or after the breach (an utterance's breach is its occurred_at; a deadline's, the first event after it)."""
    mine = sorted(times.get(alert.interaction_id or "", ()))
    breached = alert.breached_at.timestamp() - 0.001
    return next((t for t in mine if t >= breached), mine[-1] if mine else 0.0)


if __name__ == "__main__":
    sys.exit(consume_observed(Path(sys.argv[1])))
