"""The console's pure helpers for the quality loop (service/console/static/loop-figures.js), run in node: when a
case is overdue, what became of an action, where a drill-down lands in the KPI tree, the Pareto chart's bars and
cumulative line, the "vital few" causes, and a KPI chart's scale."""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

MODULE = Path(__file__).resolve().parents[2] / "service/console/static/loop-figures.js"


def run(expression: str) -> Any:
    """The JSON value of `expression`, evaluated in node with the module's exports in scope as `f`."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: `apt-get install -y nodejs` (Debian)")
    script = f"const f = await import({json.dumps(MODULE.as_uri())}); console.log(JSON.stringify({expression}));"
    done = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_case_is_overdue_only_while_unreviewed_and_past_due() -> None:
    now = "new Date('2026-11-25T09:00:00Z')"
    due = "'2026-11-25T08:59:59Z'"
    statuses = "['open', 'investigating', 'action_planned', 'closed']"
    late = run(f"{statuses}.map((s) => f.isOverdue({{status: s, due_at: {due}}}, {now}))")
    assert late == [True, True, False, False]
    assert run(f"f.isOverdue({{status: 'open', due_at: '2026-11-25T09:00:01Z'}}, {now})") is False


def test_action_outcomes_as_the_api_counts_them() -> None:
    cases = (
        "[{status: 'planned', worked: null}, {status: 'verified', worked: true}, "
        "{status: 'verified', worked: false}, {status: 'verified', worked: null}]"
    )
    assert run(f"{cases}.map(f.actionOutcome)") == ["pending", "worked", "did_not_work", "inconclusive"]


TREE = """{centre: {id: null, children: [
  {id: 'blue', children: [{id: 'ann'}, {id: null}]},
  {id: null, children: [{id: 'zed'}]}]},
  queues: [{id: 'billing'}, {id: null}]}"""


def test_drill_down_finds_the_node_named_including_those_without_an_id() -> None:
    asks = [
        "{}",
        "{team: 'blue'}",
        "{team: 'blue', agent: 'ann'}",
        "{team: 'blue', agent: ''}",
        "{team: '', agent: 'zed'}",
        "{queue: 'billing'}",
        "{queue: ''}",
        "{team: 'nobody'}",
        "{team: 'blue', agent: 'nobody'}",
    ]
    each = f"(a) => {{ const n = f.findNode({TREE}, a); return n ? [n.id, 'children' in n] : 'missing'; }}"
    found = run(f"[{', '.join(asks)}].map({each})")
    assert found == [
        [None, True], ["blue", True], ["ann", False], [None, False], ["zed", False], ["billing", False], [None, False],
        "missing", "missing",
    ]  # fmt: skip


def test_pareto_bars_fall_with_the_counts_and_the_line_rises_to_the_top() -> None:
    items = (
        "[{cause: 'a', count: 6, cumulative_share: 0.6}, {cause: 'b', count: 3, cumulative_share: 0.9}, "
        "{cause: 'c', count: 1, cumulative_share: 1}]"
    )
    box = "{width: 400, height: 200, pad: {left: 40, right: 40, top: 10, bottom: 30}}"
    shape = "{bars: g.bars, line: g.line, max: g.maxCount, eighty: g.shareY(0.8)}"
    g = run(f"(() => {{ const g = f.paretoGeometry({items}, {box}); return {shape}; }})()")
    heights = [b["height"] for b in g["bars"]]
    assert g["max"] == 6 and heights[0] == 160 and heights == sorted(heights, reverse=True)
    assert heights[1] == pytest.approx(80) and heights[2] == pytest.approx(160 / 6)
    assert [b["centre"] for b in g["bars"]] == pytest.approx([40 + 320 / 6, 40 + 320 / 2, 40 + 5 * 320 / 6])
    assert [p["y"] for p in g["line"]] == pytest.approx([10 + 0.4 * 160, 10 + 0.1 * 160, 10])
    assert g["eighty"] == pytest.approx(10 + 0.2 * 160)
    assert run(f"f.paretoGeometry([], {box}).bars") == []


def test_the_vital_few_reach_eighty_percent() -> None:
    items = (
        "[{cause: 'a', cumulative_share: 0.5}, {cause: 'b', cumulative_share: 0.8}, {cause: 'c', cumulative_share: 1}]"
    )
    assert run(f"f.vitalFew({items})") == ["a", "b"]
    assert run("f.vitalFew([{cause: 'only', cumulative_share: 1}])") == ["only"]


def test_kpi_scales_fixed_or_from_the_data_and_target() -> None:
    assert run("f.kpiScale(f.KPIS.find((k) => k.key === 'csat'), [0.5], 0.8)") == {"yMin": 0, "yMax": 1}
    asa = "f.KPIS.find((k) => k.key === 'average_speed_of_answer')"
    assert run(f"f.kpiScale({asa}, [12, null, 45], 20)") == {"yMin": 0, "yMax": 54}
    assert run(f"f.kpiScale({asa}, [null], 20)") == {"yMin": 0, "yMax": 24}
    assert run("f.metricKind('customer_sentiment')") == "sentiment"
