"""The reviewed score: the automated items, with a human reviewer's judgements and overturned disputes on top.
PURE. The automated score is read, never changed; the result is added up by the same rule (`combine`)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.scoring.quality import combine
from service.scoring.types import ScoreItem, Status

HUMAN_STATUSES = (Status.PASS.value, Status.FAIL.value, Status.NOT_APPLICABLE.value)


@dataclass(frozen=True, slots=True)
class ReviewedItem:
    id: str
    automated: str
    reviewed: str
    source: str  # automated | review | dispute
    weight: float
    critical: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "automated": self.automated, "reviewed": self.reviewed, "source": self.source,
            "weight": self.weight, "critical": self.critical,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Reviewed:
    quality_score: float | None
    passed: bool | None
    critical_failure: bool
    items: tuple[ReviewedItem, ...]


def reviewed_score(
    automated_items: Sequence[Mapping[str, Any]],
    review: Mapping[str, str],
    overturned: Mapping[str, str],
    final: bool,
    pass_mark: float,
) -> Reviewed:
    """`automated_items` as stored in a score (id, status, weight, critical, ...); `review`: item -> the human
    reviewer's status; `overturned`: item -> the status a supervisor gave it when overturning a dispute (last word)."""
    items = []
    for raw in automated_items:
        auto = str(raw["status"])
        status, source = auto, "automated"
        if raw["id"] in review:
            status, source = review[raw["id"]], "review"
        if raw["id"] in overturned:
            status, source = overturned[raw["id"]], "dispute"
        items.append(
            ReviewedItem(raw["id"], auto, status, source, float(raw.get("weight", 0)), bool(raw.get("critical")))
        )
    as_score = [
        ScoreItem(id=i.id, category="", status=Status(i.reviewed), weight=i.weight, detail="", critical=i.critical)
        for i in items
    ]
    score, passed, critical = combine(as_score, final, pass_mark)
    return Reviewed(score, passed, critical, tuple(items))
