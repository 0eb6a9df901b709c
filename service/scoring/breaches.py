"""Which standards an interaction's current score breaches: the alert candidates, deduplicated by key."""

from dataclasses import replace

from service.scoring.types import Breach, Evidence, InteractionScore, ScoreItem, Status
from service.standards.schema import ScriptRule, Standard

_RESPONSE_RULES = {
    "answer_time": "answer_wait_exceeded",
    "hold_time": "hold_exceeded",
    "first_reply_time": "ticket_first_reply_overdue",
    "resolution_time": "ticket_resolution_overdue",
    "customer_sentiment": "customer_sentiment_low",
}


def _rule_for(item: ScoreItem) -> str | None:
    if item.category == "compliance":
        return "forbidden_phrase" if item.requirement == "forbidden" else "required_phrase_missed"
    return _RESPONSE_RULES.get(item.id)


def find_breaches(score: InteractionScore, standard: Standard) -> list[Breach]:
    """One breach per failed item whose alert rule is enabled, then the quality verdict's, if it failed."""
    rules_by_id = {r.id: r for r in standard.script_rules}
    out = [b for item in score.items if (b := _item_breach(item, score, standard, rules_by_id)) is not None]
    verdict = _verdict_breach(score, standard)
    return [*out, verdict] if verdict is not None else out


def _item_breach(
    item: ScoreItem, score: InteractionScore, standard: Standard, rules_by_id: dict[str, ScriptRule]
) -> Breach | None:
    rule = _rule_for(item)
    if item.status is not Status.FAIL or rule is None or rule not in standard.alerts.enabled:
        return None
    script_rule = rules_by_id.get(item.id)
    severity = (script_rule.alert_severity if script_rule else None) or standard.alerts.severities.get(rule, "warning")
    if item.critical:  # a critical item's failure is a critical alert, whatever the rule's own severity
        severity = "critical"
    at = item.deadline or next((e.at for e in item.evidence if e.at), None) or score.scored_at
    key = rule if rule == "customer_sentiment_low" else f"{rule}:{item.id}"
    return Breach(rule, key, severity, f"{item.id}: {item.detail}", at, item.evidence)


def _verdict_breach(score: InteractionScore, standard: Standard) -> Breach | None:
    """A final score that did not pass: by a critical item, or below the pass mark."""
    if not (score.final and score.passed is False):
        return None
    verdict = "critical_item_failed" if score.critical_failure else "quality_below_pass_mark"
    if verdict not in standard.alerts.enabled:
        return None
    failed = [i for i in score.items if i.status is Status.FAIL]
    shown = "none" if score.quality_score is None else f"{score.quality_score:g}"
    names = ", ".join(i.id for i in failed)
    message = f"quality score {shown} (pass mark {standard.quality.pass_mark:g}); failed: {names}"
    severity = standard.alerts.severities.get(verdict, "warning")
    return Breach(
        verdict, verdict, severity, message, score.ended_at or score.scored_at, _failed_items_evidence(failed)
    )


def _failed_items_evidence(failed: list[ScoreItem]) -> tuple[Evidence, ...]:
    """The verdict rests on the failed items: each one's reason, then its own evidence, named by item."""
    out: list[Evidence] = []
    for item in failed:
        critical = " (critical)" if item.critical else ""
        out.append(Evidence(note=f"{item.id} failed{critical}: {item.detail}", value=item.weight))
        out.extend(replace(e, note=f"{item.id}: {e.note}") for e in item.evidence)
    return tuple(out)
