"""record_outcomes: survey answers and contact reasons into their tables, the pipeline's store step for them.

They are about an interaction but never part of its timeline: they do not rescore it, and may come before the
interaction itself (a CRM sends the reason at wrap-up, a survey tool days later). Services flush, never commit.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import pairwise

from sqlalchemy.orm import Session

from service import telemetry
from service.events.model import Event, EventType
from service.outcomes import repository as repo
from service.outcomes.models import Contact
from service.standards.schema import OutcomeStandard, Standard

SubjectsOf = Callable[[Session, Sequence[str]], dict[str, repo.Subject]]


def record_outcomes(
    session: Session,
    events: Sequence[repo.Sourced],
    now: datetime,
    standard: Standard,
    labels: telemetry.SubjectLabels,
    subjects_of: SubjectsOf,
) -> set[str]:
    """Store new outcome events; returns the event ids taken in (the others were duplicates).

    `subjects_of` gives the agent, team and queue of the interactions callqa knows (the pipeline passes its own
    lookup, as outcomes sit below interactions): each row is stored with whom it counts for (Subject.over), which
    the KPIs and metric labels read. The pipeline keeps that current when an interaction's subject changes later
    (follow_subjects).
    """
    known = repo.known_outcome_ids(session, (e.event_id for e, _ in events))
    events = [(e, source) for e, source in events if e.event_id not in known]
    survey_pairs = [p for p in events if p[0].type is EventType.SURVEY_ANSWERED]
    contact_pairs = [p for p in events if p[0].type is EventType.CONTACT_REASON]
    surveys, contacts = [e for e, _ in survey_pairs], [e for e, _ in contact_pairs]
    interactions = subjects_of(session, sorted({e.interaction_id for e, _ in events})) if events else {}
    subjects = {e.event_id: interactions.get(e.interaction_id, repo.NO_SUBJECT).over(e) for e, _ in events}
    stored = repo.insert_survey_answers(session, survey_pairs, now, subjects)
    if contacts:
        repo.lock_contact_keys(session, ((e.payload["customer_id"], e.payload["reason"]) for e in contacts))
        writes = repo.upsert_contacts(session, contact_pairs, now, subjects)
        # A superseded reason was taken in (a newer one wins): accepted, as any event whose value is outdated
        stored |= writes.inserted | writes.replaced | writes.superseded
        refreshed = repo.refresh_gaps(session, writes.touched)
        repeats = repeated_contacts(refreshed, standard.outcomes.fcr_window_seconds)
        telemetry.observe_contacts(
            [(subjects[i].queue_id, subjects[i].team_id, i in repeats) for i in writes.inserted], labels
        )
    if surveys:
        answers = [
            (subjects[e.event_id].queue_id, subjects[e.event_id].team_id, survey, answer, band)
            for e in surveys
            if e.event_id in stored
            for survey, answer, band in bands(e, standard.outcomes)
        ]
        telemetry.observe_surveys(answers, labels)
    return stored


def bands(event: Event, rules: OutcomeStandard) -> list[tuple[str, int, str]]:
    """(survey, answer, band) of each answer of a survey event, as the standard reads it."""
    out = []
    if (csat := event.payload.get("csat")) is not None:
        out.append(("csat", csat, "satisfied" if csat >= rules.csat_satisfied_at_least else "not_satisfied"))
    if (nps := event.payload.get("nps")) is not None:
        promoter, detractor = nps >= rules.nps_promoter_at_least, nps <= rules.nps_detractor_at_most
        out.append(("nps", nps, "promoter" if promoter else "detractor" if detractor else "passive"))
    return out


def repeated_contacts(contacts: Sequence[Contact], window_seconds: float) -> set[str]:
    """Event ids of the contacts that repeat an earlier one (same customer and reason) within the window."""
    out = set()
    for before, here in pairwise(contacts):
        same_key = (before.customer_id, before.reason) == (here.customer_id, here.reason)
        if (
            same_key
            and before.next_contact_gap_seconds is not None
            and before.next_contact_gap_seconds <= window_seconds
        ):
            out.add(here.event_id)
    return out


def first_contact_resolved(
    contacted_at: datetime, next_contact_gap_seconds: float | None, window_seconds: float, now: datetime
) -> bool | None:
    """False when the customer came back with the same reason within the window; True once the window has passed
    without that; None while it is still open (the same reading as the KPIs' in service/kpis/repository.py)."""
    if next_contact_gap_seconds is not None and next_contact_gap_seconds <= window_seconds:
        return False
    return True if (now - contacted_at).total_seconds() >= window_seconds else None
