"""Fixture cases of a standards file: short conversations with the outcome each rule must give.

`callqa standards test FILE` runs them (service.scoring.fixtures), and activating a version whose fixtures fail
is refused: a centre edits its phrase packs knowing which conversations they must still judge the same way.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Outcome = Literal["pass", "fail", "not_applicable"]


class FixtureTurn(BaseModel):
    """One turn, written `{agent: "..."}` or `{customer: "..."}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agent: str | None = Field(None, min_length=1)
    customer: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _one_speaker(self) -> "FixtureTurn":
        if (self.agent is None) == (self.customer is None):
            raise ValueError("a turn is either {agent: text} or {customer: text}")
        return self

    @property
    def speaker(self) -> str:
        return "agent" if self.agent is not None else "customer"

    @property
    def text(self) -> str:
        return self.agent if self.agent is not None else self.customer or ""


class FixtureCase(BaseModel):
    """A call answered after `answer_after_seconds`, its turns `seconds_between_turns` apart, then ended."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    answer_after_seconds: float = Field(5, ge=0)
    seconds_between_turns: float = Field(5, gt=0)
    turns: tuple[FixtureTurn, ...] = Field(min_length=1)
    expect: dict[str, Outcome] = Field(
        min_length=1, description="Score item id (a script rule id, answer_time, ...) -> the outcome it must have."
    )


class FixtureError(ValueError):
    """A fixture case that cannot be run; `loc` is where it is written (the loader turns it into a line)."""

    def __init__(self, message: str, loc: tuple[int | str, ...]) -> None:
        super().__init__(message)
        self.loc = loc


def check_fixtures(cases: tuple[FixtureCase, ...], item_ids: set[str]) -> None:
    """Case names are unique and every expected item is one the standard scores."""
    seen: set[str] = set()
    for i, case in enumerate(cases):
        if case.name in seen:
            raise FixtureError(f"case name {case.name!r} is used twice", ("fixtures", i, "name"))
        seen.add(case.name)
        if unknown := sorted(set(case.expect) - item_ids):
            raise FixtureError(
                f"case {case.name!r} expects {', '.join(map(repr, unknown))}, which this standard does not score "
                f"(items: {', '.join(sorted(item_ids))})",
                ("fixtures", i, "expect"),
            )
