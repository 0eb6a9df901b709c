"""Dead letters: the original record, unchanged, with why and where from in headers; and the limit on them."""

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from consumers.codec import Record

HEADER_REASON = "callqa.dlq.reason"  # bounded category: not_json | invalid_event | inconsistent
HEADER_ERROR = "callqa.dlq.error"  # the human sentence: which field, what is wrong
HEADER_TOPIC = "callqa.dlq.origin.topic"
HEADER_PARTITION = "callqa.dlq.origin.partition"
HEADER_OFFSET = "callqa.dlq.origin.offset"
HEADER_TIMESTAMP = "callqa.dlq.origin.timestamp"  # the original record's timestamp, ms since the epoch
HEADER_AT = "callqa.dlq.at"  # when it was dead-lettered, RFC 3339


@dataclass(frozen=True, slots=True)
class DeadLetter:
    record: Record
    reason: str
    error: str

    def headers(self, now: datetime) -> list[tuple[str, bytes]]:
        r = self.record
        ours = [
            (HEADER_REASON, self.reason),
            (HEADER_ERROR, self.error[:2000]),
            (HEADER_TOPIC, r.topic),
            (HEADER_PARTITION, str(r.partition)),
            (HEADER_OFFSET, str(r.offset)),
            (HEADER_TIMESTAMP, str(r.timestamp)),
            (HEADER_AT, now.isoformat()),
        ]
        # The sender's own headers travel on, so a fixed record can be re-produced as it was.
        return list(r.headers or []) + [(k, v.encode()) for k, v in ours]


class DeadLetterLimitExceeded(RuntimeError):
    pass


class DeadLetterLimit:
    """Stops the consumer when too many recent records are bad (arroyo's DLQ limit, as a sliding window).

    A few poison records are normal; half the stream is a bad deploy, a schema change or the wrong topic, and
    dead-lettering it all would hide the problem and need a replay of the DLQ later.
    """

    def __init__(self, max_ratio: float, window: int = 1000, min_records: int = 100) -> None:
        self.max_ratio = max_ratio
        self.min_records = min_records
        self._recent: deque[bool] = deque(maxlen=window)

    def admit(self, bad: Sequence[bool]) -> None:
        """Account for one batch (True = dead letter); raises before anything of it is committed."""
        self._recent.extend(bad)
        n = len(self._recent)
        if self.max_ratio >= 1 or n < self.min_records:
            return
        ratio = sum(self._recent) / n
        if ratio > self.max_ratio:
            raise DeadLetterLimitExceeded(
                f"{ratio:.0%} of the last {n} records are invalid (limit {self.max_ratio:.0%}): stopping without "
                "committing this batch. Check the producer or the deploy, then restart (or raise "
                "CALLQA_KAFKA_MAX_DEAD_LETTER_RATIO)."
            )
