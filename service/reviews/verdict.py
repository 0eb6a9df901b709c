"""Did a corrective action work? The target metric before it against after it. PURE.

Before: the verification window just before the action started; after: the same length from its start. The
action worked when the metric moved the right way beyond the control limits of the period before (mean +/- k
sigma of its daily values, k and the days needed from the standard's review section), or, with too few days to
draw limits, simply moved the right way; it is inconclusive (None) when either period has no data.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from service.alerts.aggregates import Measure, control_limits
from service.standards.schema import AggregateMetric, Standard

LOWER_IS_BETTER = frozenset({"abandonment_rate", "overdue_ticket_ratio"})


@dataclass(frozen=True, slots=True)
class Verdict:
    worked: bool | None
    meets_target: bool | None
    text: str


def target_of(standard: Standard, metric: AggregateMetric) -> float | None:
    """The standard's own target for the metric, where it sets one."""
    return {
        "service_level": standard.responsiveness.call.service_level_target,
        "compliance_rate": standard.quality.compliance_target,
        "quality_score": standard.quality.pass_mark,
        "overdue_ticket_ratio": standard.responsiveness.ticket.overdue_ratio_target,
    }.get(metric)


def judge(
    metric: str,
    before: Measure,
    after: Measure,
    daily_before: Sequence[float],
    target: float | None,
    sigmas: float,
    min_days: int,
) -> Verdict:
    if before.value is None or after.value is None:
        return Verdict(None, None, f"inconclusive: {before.count} interactions before, {after.count} after")
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    better = sign * (after.value - before.value) > 0
    meets = None if target is None else sign * (after.value - target) >= 0
    moved = f"{metric} {before.value:.4g} -> {after.value:.4g} ({before.count} -> {after.count} interactions)"
    if len(daily_before) >= min_days:
        _, _, lower, upper = control_limits(daily_before, sigmas)
        beyond = after.value > upper if sign > 0 else after.value < lower
        limits = f"control limits before [{lower:.4g}, {upper:.4g}] ({sigmas:g} sigma, {len(daily_before)} days)"
        worked = better and beyond
        return Verdict(worked, meets, f"{'worked' if worked else 'did not work'}: {moved}; {limits}")
    return Verdict(better, meets, f"{'worked' if better else 'did not work'}: {moved} (too few days for limits)")
