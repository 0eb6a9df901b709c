"""GET /v1/{agents|teams|queues}/{id}/scorecard over a time range (default: the last 24 hours)."""

from datetime import timedelta
from typing import Any

from fastapi import APIRouter

from service.api.deps import SessionDep, StateDep
from service.api.pagination import TimeRangeDep
from service.api.params import IdPath
from service.interactions.models import Interaction
from service.scorecards.service import scorecard

router = APIRouter(prefix="/v1", tags=["scorecards"])

_SUBJECTS = {"agents": Interaction.agent_id, "teams": Interaction.team_id, "queues": Interaction.queue_id}


def _route(plural: str) -> None:
    column = _SUBJECTS[plural]

    @router.get(f"/{plural}/{{subject_id}}/scorecard", summary=f"Scorecard of one of the {plural}")
    def get_scorecard(subject_id: IdPath, session: SessionDep, state: StateDep, when: TimeRangeDep) -> dict[str, Any]:
        end = when.end or state.clock()
        start = when.start or end - timedelta(days=1)
        card = scorecard(session, column, subject_id, start, end, state.pipeline.standard)
        return {"subject": plural[:-1], "id": subject_id, **card}


for _plural in _SUBJECTS:
    _route(_plural)
