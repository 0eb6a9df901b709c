"""Human review beside the automated score, disputes, and the weekly review sample.

Scopes per route: an `agent` key reads the side-by-side view of, and disputes, only its own agent's
interactions; reviewing, deciding disputes and sampling need `supervise`."""

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query

from service.api.deps import SessionDep, StateDep
from service.api.errors import KEYED
from service.api.pagination import Page, PagingDep, page_of, row_id
from service.api.params import IdFilter, IdPath, RowIdPath
from service.auth.deps import Agent, AgentOrSupervisor, Supervise
from service.evaluations import repository as repo
from service.evaluations import service
from service.evaluations.schemas import (
    DecisionIn,
    DisputeIn,
    DisputeOut,
    PickOut,
    ReviewIn,
    ReviewOut,
    SampleOut,
    SideBySide,
)
from service.reviews.http import CHANGE, NOT_FOUND, OWN, answered

router = APIRouter(prefix="/v1", tags=["human review"], responses=KEYED)

_ID = Annotated[str, Query(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")]


@router.get(
    "/interactions/{interaction_id}/review", response_model=SideBySide, responses={**NOT_FOUND, **OWN},
    summary="The automated score and the reviewed score side by side, with the reviews and disputes behind it",
)  # fmt: skip
def side_by_side(
    interaction_id: IdPath, session: SessionDep, state: StateDep, principal: AgentOrSupervisor
) -> SideBySide:
    with answered():
        row = service.interaction(session, interaction_id, principal)
    both = service.side_by_side(session, row, state.pipeline.judged_by(row))
    return SideBySide.model_validate(both, from_attributes=True)


@router.post(
    "/interactions/{interaction_id}/reviews", response_model=ReviewOut, status_code=201, responses=CHANGE,
    summary="A human review on the standard's items (pass / fail / not_applicable, comment per item)",
)  # fmt: skip
def submit_review(
    interaction_id: IdPath, body: ReviewIn, session: SessionDep, state: StateDep, principal: Supervise
) -> ReviewOut:
    with answered():
        row = service.interaction(session, interaction_id)
        review = service.submit_review(
            session, row, reviewer=principal.name, items=[i.model_dump() for i in body.items], comment=body.comment,
            standard=state.pipeline.standard_of(session, row), now=state.clock(),
        )  # fmt: skip
    session.commit()
    return ReviewOut.model_validate(review)


@router.post(
    "/disputes", response_model=DisputeOut, status_code=201, responses={**CHANGE, **OWN},
    summary="An agent disputes a failed item of their own interaction, with a reason",
)  # fmt: skip
def file_dispute(body: DisputeIn, session: SessionDep, state: StateDep, principal: Agent) -> DisputeOut:
    with answered():
        row = service.interaction(session, body.interaction_id, principal)
        dispute = service.file_dispute(session, row, body.item_id, body.reason, principal, state.clock())
    session.commit()
    return DisputeOut.model_validate(dispute)


@router.get("/disputes", response_model=Page[DisputeOut], summary="Disputes (an agent key sees its own only)")
def list_disputes(
    session: SessionDep,
    paging: PagingDep,
    principal: AgentOrSupervisor,
    status: Annotated[str | None, Query(pattern="^(open|upheld|overturned)$")] = None,
    agent_id: IdFilter = None,
    interaction_id: IdFilter = None,
) -> Page[DisputeOut]:
    if service.only_agent(principal):
        agent_id = principal.agent_id
    filters = {"status": status, "agent_id": agent_id, "interaction_id": interaction_id}
    rows, more, total = repo.disputes(session, filters=filters, window=paging.window(row_id))
    last = [rows[-1].id] if rows else None
    return page_of([DisputeOut.model_validate(r) for r in rows], paging, more, total, last)


@router.get("/disputes/{dispute_id}", response_model=DisputeOut, responses=NOT_FOUND, summary="One dispute")
def get_dispute(dispute_id: RowIdPath, session: SessionDep, principal: AgentOrSupervisor) -> DisputeOut:
    with answered():
        return DisputeOut.model_validate(service.get_dispute(session, dispute_id, principal))


@router.post(
    "/disputes/{dispute_id}/decision", response_model=DisputeOut, responses=CHANGE,
    summary="Uphold or overturn a dispute; overturning changes the reviewed score, never the automated one",
)  # fmt: skip
def decide_dispute(
    dispute_id: RowIdPath, body: DecisionIn, session: SessionDep, state: StateDep, principal: Supervise
) -> DisputeOut:
    with answered():
        dispute = service.get_dispute(session, dispute_id, principal)
        service.decide(
            session, dispute, overturn=body.decision == "overturn", overturned_to=body.overturned_to, note=body.note,
            actor=principal.name, standard_of=partial(state.pipeline.standard_of, session), now=state.clock(),
        )  # fmt: skip
    session.commit()
    return DisputeOut.model_validate(dispute)


@router.get(
    "/review-samples", response_model=SampleOut,
    summary="The week's interactions to review, by the standard's sampling rules; the same seed, the same sample",
)  # fmt: skip
def sample(
    session: SessionDep,
    state: StateDep,
    _: Supervise,
    week: Annotated[str, Query(pattern=r"^\d{4}-W\d{2}$", description="ISO week, e.g. 2026-W49 (UTC)")],
    seed: _ID = "callqa",
    random_per_agent: Annotated[int | None, Query(ge=0, le=1000)] = None,
    lowest_sentiment: Annotated[int | None, Query(ge=0, le=1000)] = None,
    critical_failures: bool | None = None,
) -> SampleOut:
    rules = state.pipeline.standard_at(session, state.clock()).review.sampling
    overrides = {
        "random_per_agent_per_week": random_per_agent, "lowest_sentiment": lowest_sentiment,
        "all_critical_failures": critical_failures,
    }  # fmt: skip
    rules = rules.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    with answered():
        picks = service.sample(session, week, seed, rules)
    items = [PickOut(interaction_id=p.interaction_id, agent_id=p.agent_id, reasons=list(p.reasons)) for p in picks]
    return SampleOut(week=week, seed=seed, rules=rules.model_dump(), items=items)
