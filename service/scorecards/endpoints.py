"""GET /v1/{agents|teams|queues}/{id}/scorecard over a time range (default: the last 24 hours)."""

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from service.api.deps import SessionDep, StateDep
from service.api.pagination import TimeRangeDep
from service.api.params import IdPath
from service.evaluations.repository import reviewed_quality
from service.interactions.models import Interaction
from service.kpis.repository import Scope
from service.kpis.service import subject_outcomes
from service.scorecards.service import scorecard

router = APIRouter(prefix="/v1", tags=["scorecards"])

# Which score the quality section adds up; every other section is measured, not judged, and is the same in both.
ScoreBasis = Annotated[
    Literal["automated", "reviewed"],
    Query(
        description="automated: callqa's own scores. reviewed: the score after human review and overturned "
        "disputes where an interaction has one, callqa's own otherwise (`quality.human_reviewed` counts them)"
    ),
]
_SUBJECTS = {"agents": Interaction.agent_id, "teams": Interaction.team_id, "queues": Interaction.queue_id}


def _route(plural: str) -> None:
    column = _SUBJECTS[plural]

    @router.get(f"/{plural}/{{subject_id}}/scorecard", summary=f"Scorecard of one of the {plural}")
    def get_scorecard(
        subject_id: IdPath, session: SessionDep, state: StateDep, when: TimeRangeDep, score: ScoreBasis = "automated"
    ) -> dict[str, Any]:
        end = when.end or state.clock()
        start = when.start or end - timedelta(days=1)
        standard = state.pipeline.standard_at(session, end)
        card = scorecard(session, column, subject_id, start, end, standard)
        scope = Scope(start, end, **{f"{plural[:-1]}_id": subject_id})
        card = {**card, "outcomes": subject_outcomes(session, standard, scope, state.clock())}
        if score == "reviewed":  # marked as such; the automated card keeps the shape it always had
            quality = reviewed_quality(session, column, subject_id, start, end)
            card = {"score": "reviewed", **card, "quality": {**card["quality"], **quality}}
        return {"subject": plural[:-1], "id": subject_id, **card}


for _plural in _SUBJECTS:
    _route(_plural)
