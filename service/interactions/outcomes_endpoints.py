"""GET /v1/interactions/{id}/outcomes: what the customer answered about one interaction (CSAT, NPS) and why they
got in touch (the contact reason), with whether that contact was resolved the first time under the window of the
standard that judged the interaction."""

from datetime import datetime

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from service.api.deps import SessionDep, StateDep
from service.api.errors import problem
from service.api.params import IdPath
from service.interactions.models import Interaction
from service.outcomes import repository as repo
from service.outcomes.service import first_contact_resolved

router = APIRouter(prefix="/v1/interactions", tags=["outcomes"])


class SurveyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    event_id: str
    answered_at: datetime
    csat: int | None = Field(description="1-5, where the survey asked it")
    nps: int | None = Field(description="0-10, where the survey asked it")


class ContactOut(BaseModel):
    reason: str
    contacted_at: datetime
    next_contact_gap_seconds: float | None = Field(
        description="Time to the same customer's next contact with the same reason (null: none yet)"
    )
    fcr_window_seconds: float
    first_contact_resolved: bool | None = Field(
        description="false: the customer came back within the window; null: the window is still open"
    )


class InteractionOutcomes(BaseModel):
    interaction_id: str
    standard_version: str = Field(description="The standard whose first-contact-resolution window applies")
    surveys: list[SurveyOut]
    contact: ContactOut | None


@router.get(
    "/{interaction_id}/outcomes",
    response_model=InteractionOutcomes,
    summary="Survey answers and contact reason of one interaction, with its first-contact resolution",
    responses={404: problem("No interaction or outcome with this id")},
)
def get_outcomes(interaction_id: IdPath, session: SessionDep, state: StateDep) -> InteractionOutcomes:
    now = state.clock()
    row = session.get(Interaction, interaction_id)
    surveys, contact = repo.surveys_of(session, interaction_id), repo.contact_of(session, interaction_id)
    known = row is not None and row.status != "new"
    if not known and not surveys and contact is None:
        raise HTTPException(404, detail=f"no interaction {interaction_id!r}")
    standard = state.pipeline.judged_by(row) if known and row else state.pipeline.standard_at(session, now)
    window = standard.outcomes.fcr_window_seconds
    reason = None
    if contact is not None:
        resolved = first_contact_resolved(contact.contacted_at, contact.next_contact_gap_seconds, window, now)
        reason = ContactOut(
            reason=contact.reason,
            contacted_at=contact.contacted_at,
            next_contact_gap_seconds=contact.next_contact_gap_seconds,
            fcr_window_seconds=window,
            first_contact_resolved=resolved,
        )
    return InteractionOutcomes(
        interaction_id=interaction_id,
        standard_version=standard.version,
        surveys=[SurveyOut.model_validate(s) for s in surveys],
        contact=reason,
    )
