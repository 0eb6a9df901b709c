"""Response shapes of the KPI endpoints, as the OpenAPI document shows them."""

from typing import Literal

from pydantic import BaseModel, Field

KpiName = Literal[
    "service_level",
    "average_speed_of_answer",
    "abandonment_rate",
    "compliance_rate",
    "quality_score",
    "csat",
    "nps",
    "first_contact_resolution",
    "overdue_ticket_ratio",
]


class KpiValue(BaseModel):
    value: float | None = Field(
        description="Ratios 0-1, seconds (average speed of answer), points (quality 0-100, "
        "NPS -100..100); null without data."
    )
    count: int = Field(
        description="What the value is computed over: calls offered or answered, checks, answers, "
        "judged contacts or tickets."
    )
    target: float = Field(description="The standard's target (see `direction`).")
    direction: Literal["at_least", "at_most"]
    met: bool | None = Field(description="Whether the value met the target; null without data.")


class KpiPoint(BaseModel):
    bucket: str = Field(description="First day of the bucket, YYYY-MM-DD, in the tree's time zone.")
    from_: str = Field(alias="from")
    to: str
    kpis: dict[KpiName, KpiValue]


class KpiNode(BaseModel):
    level: Literal["centre", "team", "agent", "queue"]
    id: str | None = Field(description="Null for the centre, and for rows that named no team, agent or queue.")
    total: dict[KpiName, KpiValue] = Field(description="Over the whole range.")
    judged_by: dict[str, int] = Field(
        {}, description="Standard version -> interactions of this node it judged over the range (each keeps its own)."
    )
    series: list[KpiPoint]
    children: list["KpiNode"] = Field([], description="Teams of the centre, agents of a team.")


class KpiTree(BaseModel):
    from_: str = Field(alias="from", description="Start of the first bucket (the range widened to whole buckets).")
    to: str
    bucket: Literal["day", "week", "month"]
    time_zone: str = Field(
        description="The IANA time zone whose midnights begin the buckets (the request's, else the standard's)"
    )
    standard_version: str = Field(description="The standard whose targets the figures are judged against.")
    centre: KpiNode
    queues: list[KpiNode]


class ParetoItem(BaseModel):
    cause: str
    labels: dict[Literal["en", "zh"], str] | None = Field(
        description="The cause's name per language from the standard's taxonomy (root causes); null for causes "
        "named by their id (rules)."
    )
    count: int
    share: float
    cumulative_share: float


class ParetoPeriod(BaseModel):
    from_: str = Field(alias="from")
    to: str
    bucket: str | None = None
    total: int
    items: list[ParetoItem]


class Pareto(BaseModel):
    causes: str = Field(
        description="Where the causes come from: `rules` (failed score items of finished interactions, by "
        "the interaction's start) or `root_causes` (review cases' root causes, by the case's opening)."
    )
    time_zone: str = Field(
        description="The IANA time zone whose midnights begin the buckets (the request's, else the standard's)"
    )
    team_id: str | None
    queue_id: str | None
    periods: list[ParetoPeriod]
