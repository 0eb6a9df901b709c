"""An angry Chinese caller over real HTTP: upset enough for the empathy rule, and customer_sentiment_low raised
while the call is live (before Chinese sentiment, every Chinese utterance scored 0 and neither happened)."""

import httpx

from tests.api.wire import call, event

ANGRY_ZH = [
    ("agent", "您好，请问有什么可以帮您？"),
    ("customer", "我要投诉，你们的快递员态度太差了"),
    ("agent", "好的，请稍等。"),
    ("customer", "你们怎么回事，等了一个星期还没到"),
    ("agent", "我帮您查一下。"),
    ("customer", "太失望了，我要退款"),
]
CALM_ZH = [
    ("agent", "您好，请问有什么可以帮您？"),
    ("customer", "我的订单号是12345，麻烦帮我查一下物流"),
    ("agent", "好的，请稍等。"),
    ("customer", "好的"),
    ("agent", "已经帮您处理好了。请问还有什么可以帮您？"),
    ("customer", "没有了，谢谢。"),
]


def test_angry_chinese_caller_triggers_empathy_and_the_sentiment_alert(api: httpx.Client) -> None:
    r = api.post("/v1/events", json={"events": call("c-zh-angry", turns=ANGRY_ZH, ended=None)})
    assert r.status_code == 202, r.text
    alerts = {(a["rule"], a["message"].split(":")[0]) for a in r.json()["alerts"]}
    assert ("customer_sentiment_low", "customer_sentiment") in alerts
    assert ("required_phrase_missed", "empathy_when_upset") in alerts  # two agent turns without an apology

    detail = api.get("/v1/interactions/c-zh-angry").json()
    items = {i["id"]: i for i in detail["score"]["items"]}
    upset = items["empathy_when_upset"]["evidence"][0]
    assert upset["event_id"] == "c-zh-angry-11" and upset["value"] < -0.8
    sentiment = items["customer_sentiment"]
    assert sentiment["status"] == "fail"
    assert [e["event_id"] for e in sentiment["evidence"][1:]] == ["c-zh-angry-11", "c-zh-angry-13", "c-zh-angry-15"]
    per = {e["event_id"]: e for e in detail["score"]["sentiment"]["per_utterance"]}
    assert per["c-zh-angry-11"]["method"] == "callqa_zh" and per["c-zh-angry-11"]["value"] < -0.8

    ended = api.post("/v1/events", json=event("c-zh-angry", 99, "call.ended", 300))
    assert ended.status_code == 202
    final = api.get("/v1/interactions/c-zh-angry").json()
    assert final["final"] is True
    assert {i["id"]: i["status"] for i in final["score"]["items"]}["customer_sentiment"] == "fail"  # as alerted


def test_calm_chinese_caller_raises_no_sentiment_alert(api: httpx.Client) -> None:
    r = api.post("/v1/events", json={"events": call("c-zh-calm", turns=CALM_ZH)})
    assert r.status_code == 202, r.text
    assert "customer_sentiment_low" not in {a["rule"] for a in r.json()["alerts"]}
    detail = api.get("/v1/interactions/c-zh-calm").json()
    items = {i["id"]: i["status"] for i in detail["score"]["items"]}
    assert items["customer_sentiment"] == "pass" and items["empathy_when_upset"] == "not_applicable"
