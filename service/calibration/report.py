"""The calibration report: agreement per item and overall, and each reviewer's deviation. PURE.

Deviation from the panel: the share of a reviewer's item judgements that differ from the majority of the
*other* panel members (a tie among them is not counted); with two reviewers that is simply their disagreement.
Deviation from the automated score: the share that differ from callqa's own status of the item (items callqa
left pending are not counted). Score deviations are mean differences of quality scores (reviewer minus the
others' mean, reviewer minus automated).
"""

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.scoring.agreement import Agreement, agreement

HUMAN = ("pass", "fail", "not_applicable")


@dataclass(frozen=True, slots=True)
class Scored:
    """One interaction as the panel and callqa judged it."""

    automated: Mapping[str, str]  # item -> status
    automated_score: float | None
    reviews: Mapping[str, tuple[Mapping[str, str], float | None]]  # reviewer -> (item -> status, quality score)


def _agreement_json(a: Agreement) -> dict[str, Any]:
    r = lambda v: None if v is None else round(v, 4)  # noqa: E731
    return {"subjects": a.subjects, "raters": a.raters, "percent_agreement": r(a.percent),
            "chance_agreement": r(a.chance), "kappa": r(a.kappa), "method": a.method}  # fmt: skip


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def calibration_report(panel: Sequence[str], interactions: Mapping[str, Scored]) -> dict[str, Any]:
    per_item: dict[str, list[list[str]]] = {}
    for scored in interactions.values():
        for item in scored.automated:
            ratings = [scored.reviews[r][0].get(item) for r in panel]
            if all(x is not None for x in ratings):
                per_item.setdefault(item, []).append([str(x) for x in ratings])
    overall = [ratings for rows in per_item.values() for ratings in rows]
    reviewers = []
    for reviewer in panel:
        others = [r for r in panel if r != reviewer]
        differs_panel = judged_panel = differs_auto = judged_auto = 0
        vs_panel: list[float] = []
        vs_auto: list[float] = []
        for scored in interactions.values():
            own, score = scored.reviews[reviewer]
            for item, status in own.items():
                top = Counter(scored.reviews[o][0][item] for o in others if item in scored.reviews[o][0]).most_common(2)
                if top and (len(top) == 1 or top[0][1] > top[1][1]):
                    judged_panel += 1
                    differs_panel += status != top[0][0]
                auto = scored.automated.get(item)
                if auto in HUMAN:
                    judged_auto += 1
                    differs_auto += status != auto
            others_scores = [s for o in others if (s := scored.reviews[o][1]) is not None]
            if score is not None and others_scores:
                vs_panel.append(score - statistics.fmean(others_scores))
            if score is not None and scored.automated_score is not None:
                vs_auto.append(score - scored.automated_score)
        reviewers.append({
            "reviewer": reviewer,
            "deviation_from_panel": _share(differs_panel, judged_panel), "compared_with_panel": judged_panel,
            "deviation_from_automated": _share(differs_auto, judged_auto), "compared_with_automated": judged_auto,
            "mean_score_minus_panel": _mean(vs_panel), "mean_score_minus_automated": _mean(vs_auto),
        })  # fmt: skip
    return {
        "reviewers_count": len(panel),
        "interactions": len(interactions),
        "overall": _agreement_json(agreement(overall)),
        "items": [{"item_id": item, **_agreement_json(agreement(rows))} for item, rows in sorted(per_item.items())],
        "reviewers": reviewers,
    }
