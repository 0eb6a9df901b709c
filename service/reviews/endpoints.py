"""/v1/reviews: review cases (list, open, one with links, actions and history, update, status, links) and
/v1/actions: corrective actions (verify). Supervisors' work: the router needs the `supervise` scope."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query

from service.api.deps import SessionDep, StateDep
from service.api.pagination import Page, PagingDep, page_of, row_id
from service.api.params import IdFilter, RowIdPath
from service.auth.deps import Supervise
from service.db import MAX_INTEGER_ID
from service.reviews import repository as repo
from service.reviews import service
from service.reviews.http import CHANGE, NOT_FOUND, answered
from service.reviews.models import ReviewCase
from service.reviews.schemas import (
    ActionIn,
    ActionOut,
    CaseDetail,
    CaseIn,
    CaseOut,
    CaseStatus,
    CaseUpdate,
    LinkIn,
    RootCauses,
    StatusIn,
)

router = APIRouter(prefix="/v1", tags=["reviews"])


def _detail(session: SessionDep, case: ReviewCase) -> CaseDetail:
    return CaseDetail(
        **CaseOut.model_validate(case).model_dump(),
        links=repo.links_of(session, case.id),  # type: ignore[arg-type]
        actions=repo.actions_of(session, case.id),  # type: ignore[arg-type]
        history=repo.changes_of(session, case.id),  # type: ignore[arg-type]
    )


def _changed(session: SessionDep, case_id: int, change: Callable[[ReviewCase], object]) -> CaseDetail:
    """Every case-changing route: lock the case, change it (service errors become their HTTP answer), commit."""
    with answered():
        case = service.get_case(session, case_id)
        change(case)
    session.commit()
    return _detail(session, case)


@router.get(
    "/reviews",
    response_model=Page[CaseOut],
    summary="List review cases (filters; overdue=true: late ones; alert_id/interaction_id: cases linking it)",
)
def list_cases(
    session: SessionDep,
    state: StateDep,
    paging: PagingDep,
    status: Annotated[CaseStatus | None, Query()] = None,
    assignee: IdFilter = None,
    agent_id: IdFilter = None,
    overdue: Annotated[bool, Query(description="Only open or investigating cases past their due time")] = False,
    alert_id: Annotated[int | None, Query(ge=1, le=MAX_INTEGER_ID, description="Only cases linking this alert")] = None,
    interaction_id: IdFilter = None,
) -> Page[CaseOut]:
    linked = ("alert", str(alert_id)) if alert_id is not None else None
    linked = ("interaction", interaction_id) if interaction_id is not None else linked
    rows, more, total = repo.list_cases(
        session, filters={"status": status, "assignee": assignee, "agent_id": agent_id},
        overdue_at=state.clock() if overdue else None, linked=linked, window=paging.window(row_id),
    )  # fmt: skip
    return page_of([CaseOut.model_validate(r) for r in rows], paging, more, total, [rows[-1].id] if rows else None)


@router.post(
    "/reviews", response_model=CaseDetail, status_code=201, responses=CHANGE,
    summary="Open a review case for an alert or an interaction (joins the subject's open case if there is one)",
)  # fmt: skip
def open_case(body: CaseIn, session: SessionDep, state: StateDep, principal: Supervise) -> CaseDetail:
    now, standard, who = state.clock(), state.pipeline.standard_at(session, state.clock()), principal.name
    with answered():
        if body.alert_id is not None:
            subject = service.alert_subject(service.get_alert(session, body.alert_id))
        else:
            row = service.get_interaction(session, str(body.interaction_id))
            subject = service.failure_subject(row, f"review of interaction {row.id}")
        case = service.open_for(session, subject, standard, now, who)
        if body.assignee:
            service.update_case(session, case, {"assignee": body.assignee}, standard, now, who)
    session.commit()
    return _detail(session, case)


@router.get(
    "/reviews/root-causes", response_model=RootCauses, summary="The standard's root-cause taxonomy, labelled en/zh"
)
def root_causes(session: SessionDep, state: StateDep) -> RootCauses:
    standard = state.pipeline.standard_at(session, state.clock())
    return RootCauses(standard_version=standard.version, items=list(standard.review.root_causes))


@router.get("/reviews/{case_id}", response_model=CaseDetail, responses=NOT_FOUND, summary="One case, fully")
def get_case(case_id: RowIdPath, session: SessionDep) -> CaseDetail:
    with answered():
        return _detail(session, service.get_case(session, case_id, lock=False))


@router.patch(
    "/reviews/{case_id}", response_model=CaseDetail, responses=CHANGE,
    summary="Set the assignee, the root cause (from the standard's taxonomy) or the 5-Whys notes (audited)",
)  # fmt: skip
def update_case(
    case_id: RowIdPath, body: CaseUpdate, session: SessionDep, state: StateDep, principal: Supervise
) -> CaseDetail:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    standard, now = state.pipeline.standard_at(session, state.clock()), state.clock()
    return _changed(
        session, case_id, lambda case: service.update_case(session, case, changes, standard, now, principal.name)
    )


@router.post(
    "/reviews/{case_id}/status", response_model=CaseDetail, responses=CHANGE,
    summary="Move a case on: open -> investigating -> action_planned -> verified -> closed (409 otherwise)",
)  # fmt: skip
def change_status(
    case_id: RowIdPath, body: StatusIn, session: SessionDep, state: StateDep, principal: Supervise
) -> CaseDetail:
    now, destinations = state.clock(), state.pipeline.destinations
    return _changed(
        session,
        case_id,
        lambda case: service.change_status(session, case, body.status, body.note, now, principal.name, destinations),
    )


@router.post(
    "/reviews/{case_id}/links", response_model=CaseDetail, responses=CHANGE,
    summary="Link an alert or an interaction to a case (linking twice changes nothing)",
)  # fmt: skip
def add_link(
    case_id: RowIdPath, body: LinkIn, session: SessionDep, state: StateDep, principal: Supervise
) -> CaseDetail:
    now = state.clock()

    def change(case: ReviewCase) -> None:
        if body.alert_id is not None:
            ref = str(service.get_alert(session, body.alert_id).id)
            service.link(session, case, "alert", ref, now, principal.name)
        else:
            row = service.get_interaction(session, str(body.interaction_id))
            service.link(session, case, "interaction", row.id, now, principal.name)

    return _changed(session, case_id, change)


@router.post(
    "/reviews/{case_id}/actions", response_model=ActionOut, status_code=201, responses=CHANGE,
    summary="Plan a corrective action: owner, due date, target metric and verification window",
)  # fmt: skip
def add_action(
    case_id: RowIdPath, body: ActionIn, session: SessionDep, state: StateDep, principal: Supervise
) -> ActionOut:
    with answered():
        case = service.get_case(session, case_id)
        action = service.add_action(
            session,
            case,
            body.model_dump(),
            state.pipeline.standard_at(session, state.clock()),
            state.clock(),
            principal.name,
        )
    session.commit()
    return ActionOut.model_validate(action)


@router.post(
    "/actions/{action_id}/verify", response_model=ActionOut, responses=CHANGE,
    summary="Compare the action's metric before and after it now (409 before its window has passed)",
)  # fmt: skip
def verify_action(action_id: RowIdPath, session: SessionDep, state: StateDep, principal: Supervise) -> ActionOut:
    with answered():
        action = service.get_action(session, action_id)
        service.verify_action(
            session, action, state.pipeline.standard_at(session, state.clock()), state.clock(), principal.name
        )
    session.commit()
    return ActionOut.model_validate(action)
