"""The backtest's difference, per rule, team and agent, and the alerts each standard would have raised. Pure."""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from service.history.backtest import Judged, Shadow
from service.scoring.types import Status


@dataclass(slots=True)
class Rate:
    passed: int = 0
    judged: int = 0

    def add(self, ok: bool | None) -> None:
        if ok is not None:
            self.judged += 1
            self.passed += ok

    @property
    def value(self) -> float | None:
        return self.passed / self.judged if self.judged else None


@dataclass(slots=True)
class Side:
    """One standard's verdicts over a group of interactions."""

    passed: Rate = field(default_factory=Rate)
    quality: list[float] = field(default_factory=list)

    def add(self, judged: Judged) -> None:
        self.passed.add(judged.score.passed)
        if judged.score.quality_score is not None:
            self.quality.append(judged.score.quality_score)

    @property
    def mean_quality(self) -> float | None:
        return sum(self.quality) / len(self.quality) if self.quality else None


@dataclass(slots=True)
class Group:
    interactions: int = 0
    before: Side = field(default_factory=Side)
    after: Side = field(default_factory=Side)


@dataclass(frozen=True, slots=True)
class Report:
    interactions: int
    rules: dict[str, tuple[Rate, Rate]]  # rule id -> (baseline, candidate)
    teams: dict[str, Group]
    agents: dict[str, Group]
    alerts: dict[str, tuple[int, int, int, int]]  # alert rule -> (baseline, candidate, new, gone)


def _item_verdicts(judged: Judged) -> dict[str, bool | None]:
    return {i.id: {Status.PASS: True, Status.FAIL: False}.get(i.status) for i in judged.score.items}


def _groups(shadows: Sequence[Shadow], key: Callable[[Shadow], str | None]) -> dict[str, Group]:
    groups: dict[str, Group] = defaultdict(Group)
    for s in shadows:
        g = groups[key(s) or "(none)"]
        g.interactions += 1
        g.before.add(s.before)
        g.after.add(s.after)
    return dict(sorted(groups.items()))


def _alerts(shadows: Iterable[Shadow]) -> dict[str, tuple[int, int, int, int]]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for s in shadows:
        before = {b.key: b.rule for b in s.before.breaches}
        after = {b.key: b.rule for b in s.after.breaches}
        for rule in before.values():
            counts[rule]["before"] += 1
        for key, rule in after.items():
            counts[rule]["after"] += 1
            counts[rule]["new"] += key not in before
        for key, rule in before.items():
            counts[rule]["gone"] += key not in after
    return {r: (c["before"], c["after"], c["new"], c["gone"]) for r, c in sorted(counts.items())}


def compare(shadows: Sequence[Shadow]) -> Report:
    rules: dict[str, tuple[Rate, Rate]] = defaultdict(lambda: (Rate(), Rate()))
    for s in shadows:
        for side, judged in enumerate((s.before, s.after)):
            for rule, ok in _item_verdicts(judged).items():
                rules[rule][side].add(ok)
    return Report(
        interactions=len(shadows),
        rules=dict(rules),
        teams=_groups(shadows, lambda s: s.team_id),
        agents=_groups(shadows, lambda s: s.agent_id),
        alerts=_alerts(shadows),
    )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _change(before: float | None, after: float | None, scale: float = 100) -> str:
    return "-" if before is None or after is None else f"{scale * (after - before):+.1f}"


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    cells = [list(header), *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        for r in cells
    ]


def render(report: Report, baseline: str, candidate: str) -> list[str]:
    out = [
        f"rules (pass rate among judged items, baseline {baseline} -> candidate {candidate!r}; "
        "judged: baseline/candidate)"
    ]
    out += _table(
        ("rule", "judged", "baseline", "candidate", "change"),
        (
            (rule, f"{b.judged}/{a.judged}", _pct(b.value), _pct(a.value), _change(b.value, a.value))
            for rule, (b, a) in report.rules.items()
        ),
    )
    for title, groups in (("team", report.teams), ("agent", report.agents)):
        out += ["", f"per {title} (interactions passed among those judged; mean quality score)"]
        out += _table(
            (title, "interactions", "passed baseline", "candidate", "change", "quality baseline", "candidate"),
            (
                (
                    name,
                    g.interactions,
                    _pct(g.before.passed.value),
                    _pct(g.after.passed.value),
                    _change(g.before.passed.value, g.after.passed.value),
                    _num(g.before.mean_quality),
                    _num(g.after.mean_quality),
                )
                for name, g in groups.items()
            ),
        )
    out += ["", "alerts that would have fired (new: only the candidate raises it; gone: only the baseline)"]
    out += _table(("alert rule", "baseline", "candidate", "new", "gone"), ((r, *c) for r, c in report.alerts.items()))
    return out


def as_json(report: Report, baseline: Mapping[str, int], candidate: str) -> dict[str, Any]:
    """`in_force` is the baseline: the standard version each interaction was judged by (`baseline` counts them)."""

    def side(s: Side) -> dict[str, Any]:
        return {"pass_rate": s.passed.value, "judged": s.passed.judged, "mean_quality": s.mean_quality}

    def groups(gs: dict[str, Group]) -> dict[str, Any]:
        return {
            k: {"interactions": g.interactions, "in_force": side(g.before), "candidate": side(g.after)}
            for k, g in gs.items()
        }

    return {
        "baseline": dict(baseline),
        "candidate": candidate,
        "interactions": report.interactions,
        "rules": {
            r: {
                "in_force": {"pass_rate": b.value, "judged": b.judged},
                "candidate": {"pass_rate": a.value, "judged": a.judged},
            }
            for r, (b, a) in report.rules.items()
        },
        "teams": groups(report.teams),
        "agents": groups(report.agents),
        "alerts": {
            r: dict(zip(("in_force", "candidate", "new", "gone"), c, strict=True)) for r, c in report.alerts.items()
        },
    }
