"""/v1/calibrations: a panel of reviewers scores the same interactions blind; the report gives agreement per item
(percent, Cohen's kappa for two reviewers, Fleiss' for more) and each reviewer's deviation. Needs `supervise`."""

from datetime import datetime
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from service.api.deps import SessionDep, StateDep
from service.api.params import RowIdPath
from service.auth.deps import Supervise
from service.calibration import service
from service.evaluations.schemas import ReviewIn, ReviewOut
from service.events.schemas import Identifier
from service.reviews.http import CHANGE, NOT_FOUND, answered
from service.reviews.schemas import Name

router = APIRouter(prefix="/v1/calibrations", tags=["calibration"])


class CalibrationIn(BaseModel):
    name: Name
    interaction_ids: list[Identifier] = Field(min_length=1, max_length=200)
    reviewers: list[Name] = Field(min_length=2, max_length=50, description="The API key names of the panel")


class CalibrationOut(BaseModel):
    id: int
    name: str
    interaction_ids: list[str]
    reviewers: list[str]
    created_by: str
    created_at: datetime
    scored: dict[str, int] = Field(description="How many interactions each reviewer has scored (never what)")
    complete: bool
    scored_by_you: list[str] = Field(description="The interactions the asking key has scored in it (its own only)")


class CalibrationReviewIn(ReviewIn):
    interaction_id: Identifier


class AgreementOut(BaseModel):
    subjects: int = Field(description="Judgements every panel member made (interaction x item)")
    raters: int
    percent_agreement: float | None
    chance_agreement: float | None
    kappa: float | None = Field(description="null when chance agreement is 1 (every rating in one category)")
    method: Literal["cohen", "fleiss"] = Field(description="Cohen's kappa for two reviewers, Fleiss' for more")


class ItemAgreementOut(AgreementOut):
    item_id: str


class ReviewerDeviationOut(BaseModel):
    reviewer: str
    deviation_from_panel: float | None = Field(description="Share of judgements unlike the rest of the panel's")
    compared_with_panel: int
    deviation_from_automated: float | None = Field(description="Share of judgements unlike callqa's own")
    compared_with_automated: int
    mean_score_minus_panel: float | None
    mean_score_minus_automated: float | None


class CalibrationReport(BaseModel):
    id: int
    name: str
    reviewers_count: int
    interactions: int
    overall: AgreementOut
    items: list[ItemAgreementOut]
    reviewers: list[ReviewerDeviationOut]


@router.post("", response_model=CalibrationOut, status_code=201, responses=CHANGE, summary="Set up a panel")
def create(body: CalibrationIn, session: SessionDep, state: StateDep, principal: Supervise) -> CalibrationOut:
    with answered():
        cal = service.create(session, body.name, body.interaction_ids, body.reviewers, principal.name, state.clock())
    session.commit()
    return CalibrationOut(**service.progress(session, cal, principal.name))


@router.get("", response_model=list[CalibrationOut], summary="The newest panels, each with who has scored how many")
def newest(
    session: SessionDep, principal: Supervise, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[CalibrationOut]:
    return [CalibrationOut(**service.progress(session, cal, principal.name)) for cal in service.newest(session, limit)]


@router.get("/{calibration_id}", response_model=CalibrationOut, responses=NOT_FOUND, summary="Who has scored how many")
def get(calibration_id: RowIdPath, session: SessionDep, principal: Supervise) -> CalibrationOut:
    with answered():
        return CalibrationOut(**service.progress(session, service.get(session, calibration_id), principal.name))


@router.post(
    "/{calibration_id}/reviews", response_model=ReviewOut, status_code=201,
    responses={**CHANGE, 403: {"description": "The key's name is not on the panel"}},
    summary="A panel member's blind review of one interaction (every item scored); never counts as a review",
)  # fmt: skip
def submit(
    calibration_id: RowIdPath, body: CalibrationReviewIn, session: SessionDep, state: StateDep, principal: Supervise
) -> ReviewOut:
    with answered():
        cal = service.get(session, calibration_id)
        review = service.submit(
            session, cal, principal.name, body.interaction_id, [i.model_dump() for i in body.items], body.comment,
            partial(state.pipeline.standard_of, session), state.clock(),
        )  # fmt: skip
    session.commit()
    return ReviewOut.model_validate(review)


@router.get(
    "/{calibration_id}/report", response_model=CalibrationReport,
    responses={**NOT_FOUND, 409: {"description": "Not every member has scored yet"}},
    summary="Agreement per item and overall (percent, kappa) and each reviewer's deviation from panel and callqa",
)  # fmt: skip
def report(calibration_id: RowIdPath, session: SessionDep) -> CalibrationReport:
    with answered():
        return CalibrationReport.model_validate(service.report(session, service.get(session, calibration_id)))
