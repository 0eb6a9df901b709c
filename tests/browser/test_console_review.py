"""The review loop in the console, in headless Chromium against a real server with real data: a reviewer scores
an interaction beside callqa's score; an agent's key sees only its own interactions and disputes a failed item;
a supervisor overturns it and the reviewed score changes while the automated one does not; the week's sample;
two reviewers calibrate blind (in Chinese) and the kappa shows; an admin activates a standard version (a
version whose fixtures fail is refused, with the failing case shown). Also the pure helpers of review-logic.js."""

import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from service.clock import utc_now
from tests.api.wire import GOOD_CALL, RUDE_CALL, call
from tests.browser.floor_data import moved
from tests.browser.support import audit, css, post, severe_errors, sign_in, text_in, wait_for
from tests.conftest import LiveServer
from tests.standards_support import STRICT, V1, V2

pytestmark = pytest.mark.browser


@pytest.fixture
def server(start_server: Callable[..., LiveServer]) -> LiveServer:
    server = start_server(clock=utc_now)  # the page judges time by the browser's clock, the real one
    base = datetime.now(UTC) - timedelta(minutes=30)
    post(server, moved(call("r-1", turns=RUDE_CALL, agent="a-1", ended=90), base))
    post(server, moved(call("g-1", turns=GOOD_CALL, agent="a-1", ended=200), base + timedelta(minutes=5)))
    post(server, moved(call("o-1", turns=RUDE_CALL, agent="a-2", ended=90), base + timedelta(minutes=10)))
    return server


@pytest.fixture
def shot(tmp_path: Path) -> Callable[..., None]:
    folder = Path(os.environ.get("CALLQA_SCREENSHOT_DIR") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)

    def take(driver: WebDriver, name: str, at: str = "#view") -> None:
        assert not audit(driver), f"{name}: {audit(driver)}"  # names for every control, contrast for every text
        driver.execute_script("document.querySelector(arguments[0]).scrollIntoView()", at)
        driver.save_screenshot(str(folder / f"{name}.png"))

    return take


def new_key(server: LiveServer, name: str, scopes: list[str], agent_id: str | None = None) -> str:
    body = {"name": name, "scopes": scopes, **({"agent_id": agent_id} if agent_id else {})}
    created = server.client.post("/v1/keys", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["key"])


def sign_in_agent(driver: WebDriver, key: str) -> None:
    driver.find_element(By.ID, "api-key").send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "#key-form button[type='submit']").click()
    wait_for(driver, "the agent's console", css("#connection[data-state='agent']"))


def change_key(driver: WebDriver) -> None:
    driver.find_element(By.ID, "sign-out").click()
    wait_for(driver, "the key field", lambda d: d.find_element(By.ID, "api-key").is_displayed())


def visible_nav(driver: WebDriver) -> list[str]:
    return [a.get_attribute("data-view") for a in driver.find_elements(By.CSS_SELECTOR, "#nav a") if a.is_displayed()]


def side(server: LiveServer, iid: str) -> dict[str, Any]:
    return dict(server.client.get(f"/v1/interactions/{iid}/review").json())


def test_review_dispute_and_overturn(server: LiveServer, browser: WebDriver, shot: Callable[..., None]) -> None:
    b = browser
    sue = new_key(server, "supervisor sue", ["supervise"])
    agent = new_key(server, "agent one", ["agent"], agent_id="a-1")
    automated = server.client.get("/v1/interactions/r-1").json()["score"]
    failed = [i["id"] for i in automated["items"] if i["status"] == "fail" and not i.get("critical")]
    passed = [i["id"] for i in automated["items"] if i["status"] == "pass"]
    disputed, judged = failed[0], passed[0]

    # 1. A reviewer scores r-1 on its page, beside callqa's score; callqa's stays as it was.
    b.get(f"{server.url}/console?view=interaction&id=r-1&lang=en")
    sign_in(b, sue)
    panel = wait_for(b, "the review panel", css("#review-panel .rv-body[data-loaded='true']"))
    assert float(panel.find_element(By.ID, "rv-automated").get_attribute("data-score")) == automated["quality_score"]
    assert "Not reviewed yet" in panel.find_element(By.ID, "rv-reviewed").text
    assert b.find_element(By.CSS_SELECTOR, ".ia-summary a.judged-by").text == V1  # the version that judged it
    row = f"#rv-items tr[data-item='{judged}']"
    Select(b.find_element(By.CSS_SELECTOR, f"{row} select.rv-choice")).select_by_value("fail")
    b.find_element(By.CSS_SELECTOR, f"{row} input.rv-comment").send_keys("said it too fast to hear")
    b.find_element(By.ID, "rv-overall").send_keys("sampled for coaching")
    b.find_element(By.CSS_SELECTOR, "#review-form button[type='submit']").click()
    wait_for(b, "the reviewed score", lambda d: d.find_element(By.ID, "rv-reviewed").get_attribute("data-score"))
    after_review = side(server, "r-1")
    assert after_review["reviews"][0]["reviewer"] == "supervisor sue"
    reviewed = float(b.find_element(By.ID, "rv-reviewed").get_attribute("data-score"))
    assert reviewed == after_review["reviewed"]["quality_score"] < automated["quality_score"]
    cell = b.find_element(By.CSS_SELECTOR, f"{row} td.rv-status + td.rv-status")
    assert cell.get_attribute("data-status") == "fail" and "by a reviewer" in cell.text
    assert "said it too fast to hear" in b.find_element(By.ID, "rv-reviews").text
    shot(b, "review-en", "#review-panel")

    # 2. The agent's key: only its own interactions, no supervisor views, and a dispute with a reason.
    change_key(b)
    sign_in_agent(b, agent)
    assert visible_nav(b) == ["mine", "disputes"]
    b.find_element(By.CSS_SELECTOR, "#nav a[data-view='mine']").click()
    wait_for(b, "the agent's interactions", css("#mine[data-loaded='true']"))
    shot(b, "mine-agent-en")
    mine = [tr.get_attribute("data-interaction-id") for tr in b.find_elements(By.CSS_SELECTOR, "#mine tbody tr")]
    assert sorted(mine) == ["g-1", "r-1"]
    b.get(f"{server.url}/console?view=interaction&id=o-1&lang=en")  # another agent's call, by its address
    wait_for(b, "the refusal", text_in("#review-panel .error", "o-1 is not theirs"))
    assert not b.find_elements(By.CSS_SELECTOR, "#transcript, #rv-items")
    b.get_log("browser")  # drained: that 403 is the refusal the page shows
    b.get(f"{server.url}/console?view=alerts&lang=en")  # a supervisor's view: the agent lands on its own list
    wait_for(b, "the agent's own list", css("#mine"))
    b.find_element(By.CSS_SELECTOR, "#mine tr[data-interaction-id='r-1'] a").click()
    wait_for(b, "the agent's review page", css("#review-panel .rv-body[data-loaded='true']"))
    assert not b.find_elements(By.CSS_SELECTOR, "#review-form, select.rv-choice")  # an agent does not review
    assert not b.find_elements(By.CSS_SELECTOR, f"#rv-items tr[data-item='{passed[1]}'] .rv-dispute-open")
    row = f"#rv-items tr[data-item='{disputed}']"
    b.find_element(By.CSS_SELECTOR, f"{row} .rv-dispute-open").click()
    b.find_element(By.CSS_SELECTOR, f"{row} textarea.rv-reason").send_keys("I apologised right after")
    b.find_element(By.CSS_SELECTOR, f"{row} .rv-dispute-fields button[type='submit']").click()
    wait_for(b, "the dispute awaiting a decision", text_in(f"{row} .rv-dispute[data-status='open']", "Awaiting"))
    shot(b, "dispute-agent-en", "#review-panel")
    b.get(f"{server.url}/console?view=disputes&lang=en")
    wait_for(b, "the agent's disputes", css("#disputes li.dispute[data-status='open']"))
    assert not b.find_elements(By.CSS_SELECTOR, ".dp-decide button")  # an agent cannot decide

    # 3. The supervisor's queue: overturn with a note; the reviewed score changes, callqa's does not.
    change_key(b)
    sign_in(b, sue)
    b.get(f"{server.url}/console?view=disputes&lang=en")
    card = wait_for(b, "the open dispute", css("#disputes li.dispute[data-status='open']"))
    assert "I apologised right after" in card.text and "agent a-1" in card.text
    card.find_element(By.CSS_SELECTOR, "input.dp-note").send_keys("the apology is on the recording")
    shot(b, "disputes-en")
    card.find_element(By.CSS_SELECTOR, "button.dp-overturn").click()
    decided = wait_for(b, "the decision", css("#disputes li.dispute[data-status='overturned']"))
    assert "Overturned by supervisor sue" in decided.text and "the apology is on the recording" in decided.text
    after = side(server, "r-1")
    assert after["reviewed"]["quality_score"] > after_review["reviewed"]["quality_score"]
    assert server.client.get("/v1/interactions/r-1").json()["score"] == automated  # never rewritten
    decided.find_element(By.CSS_SELECTOR, "a.dp-link").click()
    wait_for(b, "the review panel", css("#review-panel .rv-body[data-loaded='true']"))
    shown = float(b.find_element(By.ID, "rv-reviewed").get_attribute("data-score"))
    assert shown == after["reviewed"]["quality_score"]
    assert float(b.find_element(By.ID, "rv-automated").get_attribute("data-score")) == automated["quality_score"]
    cell = b.find_element(By.CSS_SELECTOR, f"{row} td.rv-status + td.rv-status")
    assert cell.get_attribute("data-status") == "pass" and "by a dispute" in cell.text

    # The agent sees the decision and who made it.
    change_key(b)
    sign_in_agent(b, agent)
    b.get(f"{server.url}/console?view=disputes&lang=en")
    mine_card = wait_for(b, "the agent's decided dispute", css("#disputes li.dispute[data-status='overturned']"))
    assert "Overturned by supervisor sue" in mine_card.text
    assert not severe_errors(b)


def test_sampling_picks_reproducibly_and_links(
    server: LiveServer, browser: WebDriver, shot: Callable[..., None]
) -> None:
    b = browser
    started = datetime.fromisoformat(server.client.get("/v1/interactions/r-1").json()["started_at"])
    year, week, _ = started.isocalendar()
    b.get(f"{server.url}/console?view=sampling&lang=en&week={year}-W{week:02d}")
    sign_in(b, new_key(server, "supervisor sue", ["supervise"]))
    wait_for(b, "the sample", css("#sample-out[data-loaded='true']"))
    b.find_element(By.ID, "sm-seed").clear()
    b.find_element(By.ID, "sm-seed").send_keys("week-review")
    b.find_element(By.ID, "sm-random").clear()
    b.find_element(By.ID, "sm-random").send_keys("1")
    b.find_element(By.CSS_SELECTOR, "#sample-form button[type='submit']").click()
    wait_for(b, "the rules in the URL", lambda d: "seed=week-review" in d.current_url and "random=1" in d.current_url)
    wait_for(b, "the new sample", text_in("#sample-out .sample-summary", "week-review"))
    expected = server.client.get(
        "/v1/review-samples",
        params={"week": f"{year}-W{week:02d}", "seed": "week-review", "random_per_agent": 1},
    ).json()["items"]
    rows = b.find_elements(By.CSS_SELECTOR, "#sample tbody tr[data-interaction-id]")
    assert [r.get_attribute("data-interaction-id") for r in rows] == [p["interaction_id"] for p in expected]
    critical = [p["interaction_id"] for p in expected if "critical_failure" in p["reasons"]]
    assert critical and all(
        b.find_elements(By.CSS_SELECTOR, f"#sample tr[data-interaction-id='{i}'] li[data-reason='critical_failure']")
        for i in critical
    )
    shot(b, "sampling-en")
    b.refresh()  # the same link, the same sample
    wait_for(b, "the sample after a reload", text_in("#sample-out .sample-summary", "week-review"))
    again = [r.get_attribute("data-interaction-id") for r in b.find_elements(By.CSS_SELECTOR, "#sample tbody tr")]
    assert again == [p["interaction_id"] for p in expected]
    b.find_element(By.CSS_SELECTOR, f"#sample tr[data-interaction-id='{critical[0]}'] a").click()
    wait_for(b, "the picked call's page", css(".interaction-view[data-loaded='true']"))
    assert f"id={critical[0]}" in b.current_url


def score_blind(driver: WebDriver, server: LiveServer, panel: int, iid: str, flip: int) -> None:
    driver.get(f"{server.url}/console?view=calibration&id={panel}&lang=zh")
    wait_for(driver, "the panel", css(".cal-panel[data-loaded='true']"))
    driver.find_element(By.CSS_SELECTOR, f"#cal-todo li[data-interaction-id='{iid}'] a").click()
    form = wait_for(driver, "the blind form", css("#cal-score-form"))
    assert not form.find_elements(By.CSS_SELECTOR, "[data-status], .rv-status, mark")  # no callqa result shown
    automated = server.client.get(f"/v1/interactions/{iid}").json()["score"]["items"]
    for n, item in enumerate(automated):
        status = item["status"] if item["status"] in ("pass", "fail", "not_applicable") else "not_applicable"
        if n == flip:
            status = "fail" if status == "pass" else "pass"
        Select(form.find_element(By.CSS_SELECTOR, f"tr[data-item='{item['id']}'] select")).select_by_value(status)
    form.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    wait_for(driver, "the scored mark", css(f"#cal-todo li[data-interaction-id='{iid}'][data-done='true']"))


def test_two_reviewers_calibrate_blind_in_chinese(
    server: LiveServer, chinese_browser: WebDriver, shot: Callable[..., None]
) -> None:
    b = chinese_browser
    ann = new_key(server, "reviewer ann", ["supervise"])
    bob = new_key(server, "reviewer bob", ["supervise"])
    b.get(f"{server.url}/console?view=calibration")
    sign_in(b, ann)
    assert b.find_element(By.CSS_SELECTOR, "#nav a[aria-current='page']").text == "校准"
    b.find_element(By.CSS_SELECTOR, ".cal-new summary").click()
    b.find_element(By.ID, "cal-name").send_keys("第 49 周校准")
    b.find_element(By.ID, "cal-ids").send_keys("r-1, g-1")
    b.find_element(By.ID, "cal-reviewers").send_keys("reviewer ann, reviewer bob")
    b.find_element(By.CSS_SELECTOR, "#cal-form button[type='submit']").click()
    wait_for(b, "the new panel", css(".cal-panel[data-loaded='true']"))
    panel = int(dict(p.split("=") for p in b.current_url.split("?")[1].split("&"))["id"])
    for iid, flip in (("r-1", 0), ("g-1", 1)):
        score_blind(b, server, panel, iid, flip)
    assert "报告不会开放" in b.find_element(By.CSS_SELECTOR, ".cal-blind").text  # blind until bob has scored
    assert not b.find_elements(By.ID, "cal-report")

    change_key(b)
    sign_in(b, bob)
    b.get(f"{server.url}/console?view=calibration&id={panel}&lang=zh")
    wait_for(b, "the panel", css(".cal-panel[data-loaded='true']"))
    assert not b.find_elements(By.ID, "cal-report")  # bob sees nothing of ann's before he has scored
    score_blind(b, server, panel, "r-1", 1)
    score_blind(b, server, panel, "g-1", 1)
    report = server.client.get(f"/v1/calibrations/{panel}/report").json()
    kappa = wait_for(b, "the kappa", css("#cal-kappa"))
    assert float(kappa.get_attribute("data-kappa")) == report["overall"]["kappa"]
    assert "Cohen kappa 系数" in kappa.text
    assert report["overall"]["percent_agreement"] < 1
    rows = b.find_elements(By.CSS_SELECTOR, "#cal-reviewers tbody tr")
    assert [r.get_attribute("data-reviewer") for r in rows] == ["reviewer ann", "reviewer bob"]
    assert len(b.find_elements(By.CSS_SELECTOR, "#cal-items tbody tr")) == len(report["items"])
    shot(b, "calibration-zh")

    # The human review of a call, in Chinese: both scores, and callqa's reasons in Chinese sentences.
    b.get(f"{server.url}/console?view=interaction&id=r-1")
    panel = wait_for(b, "the review panel", css("#review-panel .rv-body[data-loaded='true']"))
    assert "人工复核" in b.find_element(By.ID, "ia-review-heading").text
    assert "自动评分（callqa）" in panel.text and "尚未复核" in panel.text  # calibration reviews never count
    assert not panel.find_elements(By.CSS_SELECTOR, ".rv-detail[lang='en']")
    assert "未在坐席前 2 句说出" in panel.find_element(By.CSS_SELECTOR, "tr[data-item='greeting'] .rv-detail").text
    assert not severe_errors(b)


def test_an_admin_activates_a_version(server: LiveServer, browser: WebDriver, shot: Callable[..., None]) -> None:
    b = browser
    # A supervisor sees the versions, but not the activation form.
    b.get(f"{server.url}/console?view=standards&lang=en")
    sign_in(b, new_key(server, "supervisor sue", ["supervise"]))
    now = wait_for(b, "the version in force", css("#std-now"))
    assert now.get_attribute("data-version") == V1
    assert not b.find_elements(By.ID, "std-form") and b.find_elements(By.CSS_SELECTOR, ".std-admin-only")
    change_key(b)

    sign_in(b, server.admin_key)
    form = wait_for(b, "the activation form", css("#std-form"))
    form.find_element(By.ID, "std-source-file").click()
    lax = STRICT.replace(V2, "2026.12-lax").replace("not my problem, ", "")  # its fixture case then fails
    b.execute_script("document.getElementById('std-yaml').value = arguments[0]", lax)
    form.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    refused = wait_for(b, "the refusal", css("#std-refused"))
    assert "fixture checks fail" in refused.text and "English forbidden phrase" in refused.text
    assert "no_forbidden_phrases" in refused.find_element(By.ID, "std-failures").text
    shot(b, "standards-refused-en")

    b.execute_script("document.getElementById('std-yaml').value = arguments[0]", STRICT)
    form.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    wait_for(b, "the activation", text_in("#std-done", f"Version {V2} activated"))
    wait_for(b, "the new version in force", css(f"#std-now[data-version='{V2}']"))
    states = {
        tr.find_element(By.TAG_NAME, "th").text: tr.get_attribute("data-state")
        for tr in b.find_elements(By.CSS_SELECTOR, "#std-activations tbody tr")
    }
    assert states == {V1: "superseded", V2: "in_force"}
    assert server.client.get("/v1/standards").json()["current"]["version"] == V2
    shot(b, "standards-en")
    # Calls judged before keep their version, and their page says so.
    b.get(f"{server.url}/console?view=interaction&id=r-1&lang=en")
    wait_for(b, "the call's page", css(".interaction-view[data-loaded='true']"))
    assert b.find_element(By.CSS_SELECTOR, ".ia-summary a.judged-by").text == V1


def test_review_logic_helpers(server: LiveServer, browser: WebDriver) -> None:
    """The pure helpers, imported by the page itself (no build step, no Node): worked examples."""
    browser.get(f"{server.url}/console?lang=en")
    run = """
      const done = arguments[arguments.length - 1];
      import("/console/static/review-logic.js").then((m) => {
        const days = arguments[0].map((d) => m.isoWeek(new Date(d + "T12:00:00Z")));
        const acts = [
          { id: 1, version: "a", effective_at: "2026-01-01T00:00:00Z" },
          { id: 2, version: "b", effective_at: "2026-06-01T00:00:00Z" },
          { id: 3, version: "c", effective_at: "2026-06-01T00:00:00Z" },
          { id: 4, version: "d", effective_at: "2027-01-01T00:00:00Z" },
        ];
        done({
          days,
          bands: [-0.1, 0, 0.2, 0.21, 0.4, 0.6, 0.61, 0.8, 0.81, 1, null].map(m.kappaBand),
          states: m.activationStates(acts, new Date("2026-07-01T00:00:00Z")).map((a) => a.state),
          before: m.activationStates(acts, new Date("2025-07-01T00:00:00Z")).map((a) => a.state),
          ids: m.idList("r-1, g-1  r-1\\nx-2，y"),
          names: m.nameList("reviewer ann, reviewer bob,\\n reviewer ann ,"),
          start: [m.startingStatus("pending", undefined), m.startingStatus("pass", "fail"), m.startingStatus("fail")],
          items: m.reviewItems([
            { item_id: "a", status: "pass", comment: "  " },
            { item_id: "b", status: "", comment: "x" },
            { item_id: "c", status: "fail", comment: " late " },
          ]),
          disputable: [
            m.disputable({ id: "a", automated: "fail" }, []),
            m.disputable({ id: "a", automated: "fail", reviewed: "pass" }, []),
            m.disputable({ id: "a", automated: "fail" }, [{ item_id: "a", status: "open" }]),
            m.disputable({ id: "a", automated: "fail" }, [{ item_id: "a", status: "upheld" }]),
          ],
        });
      });
    """
    days = [date(2026, 12, 3), date(2021, 1, 1), date(2024, 12, 30), date(2026, 1, 1), date(2020, 12, 31)]
    out = browser.execute_async_script(run, [d.isoformat() for d in days])
    assert out["days"] == [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in days]
    assert out["bands"] == [
        "poor", "slight", "slight", "fair", "fair", "moderate", "substantial", "substantial", "almost_perfect",
        "almost_perfect", None,
    ]  # fmt: skip
    assert out["states"] == ["superseded", "superseded", "in_force", "scheduled"]  # a tie: the later one made
    assert out["before"] == ["scheduled"] * 4
    assert out["ids"] == ["r-1", "g-1", "x-2", "y"]
    assert out["names"] == ["reviewer ann", "reviewer bob"]
    assert out["start"] == ["", "fail", "fail"]
    assert out["items"] == [{"item_id": "a", "status": "pass"}, {"item_id": "c", "status": "fail", "comment": "late"}]
    assert out["disputable"] == [True, False, False, True]
