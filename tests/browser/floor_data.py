"""A floor in mid-shift for the console's browser tests and screenshots: queues with calls ended, live, on hold,
waiting and abandoned, a rude call, a Chinese call, a transfer and a call whose call.ended was lost; all placed
relative to `now`, because the page judges time by the browser's own clock."""

from datetime import datetime, timedelta
from typing import Any

from tests.api.wire import BASE, GOOD_CALL, RUDE_CALL, call, event

ZH_CALL = [
    ("agent", "您好，我是工号1024的小王，很高兴为您服务。"),
    ("customer", "我的账单又错了，太让人生气了，你们怎么回事！"),
    ("agent", "非常抱歉给您带来不便，我马上帮您查一下，请您稍等。"),
    ("agent", "已经帮您更正了，还有什么可以帮您的吗？"),
    ("customer", "没有了，谢谢。"),
    ("agent", "感谢您的来电，再见！"),
]


def moved(events: list[dict[str, Any]], base: datetime) -> list[dict[str, Any]]:
    """The wire helpers' events (built at BASE) moved to start at `base`."""
    for e in events:
        e["occurred_at"] = (base + (datetime.fromisoformat(e["occurred_at"]) - BASE)).isoformat()
    return events


def _on_hold(cid: str, agent: str, queue: str) -> list[dict[str, Any]]:
    events = call(cid, answered=6, turns=GOOD_CALL[:4], ended=None, agent=agent, queue=queue)
    return [*events, event(cid, 90, "call.hold", 30, {"reason": "line test"})]


def _transferred(cid: str) -> list[dict[str, Any]]:
    events = call(cid, answered=4, turns=GOOD_CALL, ended=240, agent="dan", queue="support", hold_after_turn=3)
    return [*events, event(cid, 95, "call.transferred", 120, {"to_queue_id": "billing"})]


def floor_batches(now: datetime) -> list[list[dict[str, Any]]]:
    """Each list is one POST /v1/events body, already moved to its place before `now`."""
    at = lambda minutes: now - timedelta(minutes=minutes)  # noqa: E731
    return [
        *_earlier_in_the_shift(at),  # sent first, as they happened: the newest calls head the alert list
        moved(call("b-101", answered=6, turns=GOOD_CALL, ended=200, agent="ann", queue="billing"), at(14)),
        moved(
            call("b-102", answered=12, turns=RUDE_CALL, ended=90, agent="bob", queue="billing", hold_after_turn=1),
            at(11),
        ),
        moved(call("b-103", answered=5, turns=ZH_CALL, ended=150, agent="wang", team="t-2", queue="billing"), at(9)),
        moved(call("b-104", answered=8, turns=GOOD_CALL[:3], ended=None, agent="cat", queue="billing"), at(3)),
        moved(_on_hold("b-105", "ann", "billing"), at(2)),
        moved(call("b-106", answered=None, ended=None, queue="billing"), at(1.5)),
        moved(_transferred("s-201"), at(13)),
        moved(call("s-202", answered=3, turns=GOOD_CALL, ended=180, agent="eve", queue="support"), at(12)),
        moved(call("s-203", answered=None, ended=70, queue="support"), at(10)),
        moved(call("s-204", answered=None, ended=55, queue="support"), at(8)),
        moved(call("s-205", answered=41, turns=GOOD_CALL, ended=200, agent="eve", queue="support"), at(7)),
        moved(call("s-206", answered=9, turns=GOOD_CALL[:2], ended=None, agent="dan", queue="support"), at(1)),
        moved(call("x-301", answered=5, turns=GOOD_CALL[:2], ended=None, agent="fay", queue="sales"), at(240)),
        moved(call("x-302", answered=4, turns=GOOD_CALL, ended=210, agent="fay", queue="sales"), at(150)),
        moved(call("x-303", answered=30, turns=RUDE_CALL, ended=100, agent="bob", queue="sales"), at(95)),
        # Too few calls in the live window to judge the queue: its tile must not turn red.
        moved(call("v-401", answered=40, turns=GOOD_CALL, ended=150, agent="hal", queue="vip"), at(6)),
        moved(call("v-402", answered=5, turns=GOOD_CALL, ended=120, agent="hal", queue="vip"), at(4)),
    ]


def _earlier_in_the_shift(at: Any) -> list[list[dict[str, Any]]]:
    """Two calls every 20 minutes over the last six hours, so the trends have a shape."""
    batches = []
    for i in reversed(range(18)):
        minutes = 20 + 20 * i
        rude = i % 5 == 2
        batches.append(
            moved(
                call(
                    f"h-{i}a",
                    answered=6 + (i * 7) % 40,
                    turns=RUDE_CALL if rude else GOOD_CALL,
                    ended=200,
                    agent="gus",
                    team="t-2",
                    queue="support",
                ),
                at(minutes),
            )
        )
        batches.append(
            moved(
                call(
                    f"h-{i}b",
                    answered=4 + (i * 5) % 20,
                    turns=GOOD_CALL,
                    ended=180,
                    agent="ivy",
                    team="t-2",
                    queue="billing",
                ),
                at(minutes + 7),
            )
        )
    return batches
