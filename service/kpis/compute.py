"""KPIs from their additive parts, each with its target from the standard and whether it met it. Pure."""

from dataclasses import dataclass
from typing import Any, Literal

from service.kpis.repository import Parts
from service.standards.schema import Standard

Direction = Literal["at_least", "at_most"]


@dataclass(frozen=True, slots=True)
class Target:
    value: float
    direction: Direction
    setting: str  # where the standard sets it


def targets_of(standard: Standard) -> dict[str, Target]:
    """Every KPI's target, read from the standard (never a constant here)."""
    call, ticket, quality, kpi = (
        standard.responsiveness.call,
        standard.responsiveness.ticket,
        standard.quality,
        standard.kpi_targets,
    )
    return {
        "service_level": Target(call.service_level_target, "at_least", "responsiveness.call.service_level_target"),
        "average_speed_of_answer": Target(
            kpi.average_speed_of_answer_seconds, "at_most", "kpi_targets.average_speed_of_answer_seconds"
        ),
        "abandonment_rate": Target(kpi.abandonment_rate, "at_most", "kpi_targets.abandonment_rate"),
        "compliance_rate": Target(quality.compliance_target, "at_least", "quality.compliance_target"),
        "quality_score": Target(quality.pass_mark, "at_least", "quality.pass_mark"),
        "csat": Target(kpi.csat, "at_least", "kpi_targets.csat"),
        "nps": Target(kpi.nps, "at_least", "kpi_targets.nps"),
        "first_contact_resolution": Target(
            kpi.first_contact_resolution, "at_least", "kpi_targets.first_contact_resolution"
        ),
        "overdue_ticket_ratio": Target(
            ticket.overdue_ratio_target, "at_most", "responsiveness.ticket.overdue_ratio_target"
        ),
    }


def _ratio(num: float, den: int) -> float | None:
    return round(num / den, 4) if den else None


def values_of(p: Parts) -> dict[str, tuple[float | None, int]]:
    """Each KPI's value (None without data) and the count it is computed over."""
    nps = _ratio(100 * (p.nps_promoters - p.nps_detractors), p.nps_answers)
    return {
        "service_level": (_ratio(p.within_limit, p.offered), p.offered),
        "average_speed_of_answer": (_ratio(p.answer_wait_sum, p.answered), p.answered),
        "abandonment_rate": (_ratio(p.abandoned, p.offered), p.offered),
        "compliance_rate": (
            _ratio(p.checks_passed, p.checks_passed + p.checks_failed),
            p.checks_passed + p.checks_failed,
        ),
        "quality_score": (_ratio(p.quality_sum, p.scored), p.scored),
        "csat": (_ratio(p.csat_satisfied, p.csat_answers), p.csat_answers),
        "nps": (None if nps is None else round(nps, 2), p.nps_answers),
        "first_contact_resolution": (
            _ratio(p.contacts_judged - p.contacts_repeated, p.contacts_judged),
            p.contacts_judged,
        ),
        "overdue_ticket_ratio": (_ratio(p.tickets_overdue, p.tickets_judged), p.tickets_judged),
    }


def met(value: float | None, target: Target) -> bool | None:
    if value is None:
        return None
    return value >= target.value if target.direction == "at_least" else value <= target.value


def kpis_of(parts: Parts, targets: dict[str, Target]) -> dict[str, dict[str, Any]]:
    return {
        name: {
            "value": value,
            "count": count,
            "target": targets[name].value,
            "direction": targets[name].direction,
            "met": met(value, targets[name]),
        }
        for name, (value, count) in values_of(parts).items()
    }


def pareto_items(counts: dict[str, int]) -> list[dict[str, Any]]:
    """Causes by count, largest first (ties by name), with each one's share and the cumulative share."""
    total = sum(counts.values())
    out, running = [], 0
    for cause, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        running += n
        out.append(
            {"cause": cause, "count": n, "share": round(n / total, 4), "cumulative_share": round(running / total, 4)}
        )
    return out
