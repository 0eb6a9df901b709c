"""The supervisor console in a real headless Chromium (Debian's `chromium` + `chromium-driver`): an alert posted
through the API appears on the page without a reload and is acknowledged there; queue tiles and the live call
checklist render from the live endpoints."""

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from service.clock import utc_now
from tests.api.wire import BASE, GOOD_CALL, RUDE_CALL, call
from tests.browser.relay import Relay
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REQUIRE_ENV = "CALLQA_TEST_REQUIRE_BROWSER"
SCREENSHOT = Path("/tmp/console.png")
# No first-run UI, no background traffic: the test machine has no internet and must not wait on it.
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
)
WAIT_SECONDS = 20


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        message = f"{', '.join(missing)} missing: `apt-get install -y chromium chromium-driver` (Debian)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {message}")
        pytest.skip(message)
    options = Options()
    # Both paths given, so selenium-manager never looks for (or downloads) a browser or a driver.
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def recent(events: list[dict[str, Any]], base: datetime) -> list[dict[str, Any]]:
    """The wire helpers' events moved to `base`: the live endpoints only show the last minutes."""
    for e in events:
        e["occurred_at"] = (base + (datetime.fromisoformat(e["occurred_at"]) - BASE)).isoformat()
    return events


def wait_for(driver: WebDriver, what: str, condition: Callable[[WebDriver], Any]) -> Any:
    try:
        # The page rebuilds parts of itself every few seconds: a node found a moment ago may be gone.
        wait = WebDriverWait(driver, WAIT_SECONDS, 0.1, ignored_exceptions=(StaleElementReferenceException,))
        return wait.until(condition)
    except TimeoutException:
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SCREENSHOT))
        logs = [entry["message"] for entry in driver.get_log("browser")]
        pytest.fail(f"timed out waiting for {what}; screenshot {SCREENSHOT}; browser log: {logs}")


def css(driver: WebDriver, selector: str) -> Callable[[WebDriver], Any]:
    def found(d: WebDriver) -> Any:
        hits = d.find_elements(By.CSS_SELECTOR, selector)
        return hits[0] if hits else False

    return found


def post(server: LiveServer, events: list[dict[str, Any]]) -> None:
    answer = server.client.post("/v1/events", json={"events": events})
    assert answer.status_code == 202, answer.text


@pytest.fixture
def relay(start_server: Callable[..., LiveServer]) -> Iterator[tuple[LiveServer, Relay]]:
    server = start_server(clock=utc_now)  # the page's own clock is the browser's, the real one
    relay = Relay(int(server.url.rsplit(":", 1)[1]))
    yield server, relay
    relay.close()


def test_alert_appears_live_and_is_acknowledged_in_the_page(
    relay: tuple[LiveServer, Relay], browser: WebDriver
) -> None:
    server, network = relay
    supervisor_key = server.create_key("supervisor ann", ["supervise"])
    base = datetime.now(UTC) - timedelta(seconds=120)
    # A call in progress (greeted, not yet closed) and an abandoned one: one green and one red queue tile.
    post(server, recent(call("live-1", answered=5, turns=GOOD_CALL[:3], ended=None, queue="billing"), base))
    post(server, recent(call("gone-1", answered=None, ended=60, queue="sales"), base))

    # The browser goes through the relay, so the test can cut its connections; the test's own calls do not.
    browser.get(f"{network.url}/console")
    browser.execute_script("window.sameDocument = true")  # gone if anything reloads the page
    key = browser.find_element(By.ID, "api-key")
    assert browser.find_element(By.CSS_SELECTOR, "label[for='api-key']").text.startswith("API key")
    key.send_keys(supervisor_key)
    browser.find_element(By.CSS_SELECTOR, "#key-form button[type='submit']").click()
    # The stream starts from "now": it must be open before the breach, or this test would pass by the list.
    wait_for(browser, "the alert stream to open", css(browser, "#connection[data-state='live']"))

    billing = wait_for(browser, "the billing tile", css(browser, "#queues [data-queue-id='billing']"))
    # (.text shows the tile's no-break space as a plain one)
    assert "level-ok" in billing.get_attribute("class") and "100 %" in billing.text
    assert "On target of 80 %" in billing.text
    sales = wait_for(browser, "the sales tile", css(browser, "#queues [data-queue-id='sales']"))
    assert "level-bad" in sales.get_attribute("class") and "Below target" in sales.text
    live = "#calls [data-interaction-id='live-1']"
    wait_for(browser, "the greeting done", css(browser, f"{live} [data-item='greeting'][data-status='pass']"))
    closing = browser.find_element(By.CSS_SELECTOR, f"{live} [data-item='closing']")
    assert closing.get_attribute("data-status") == "pending" and "…" in closing.text
    assert browser.find_elements(By.CSS_SELECTOR, f"{live} svg.spark polyline.spark-customer")

    post(server, recent(call("rude-1", answered=5, turns=RUDE_CALL, ended=None, queue="billing"), base))
    raised = server.client.get("/v1/alerts", params={"interaction_id": "rude-1"}).json()["items"]
    phrase = next(a for a in raised if a["rule"] == "forbidden_phrase")
    other = next(a for a in raised if a["id"] != phrase["id"])
    card_css = f"#feed li[data-alert-id='{phrase['id']}']"
    card = wait_for(browser, "the forbidden-phrase alert in the feed", css(browser, card_css))
    assert browser.execute_script("return window.sameDocument === true"), "the page reloaded"
    assert "sev-critical" in card.get_attribute("class") and card.get_attribute("data-state") == "open"
    assert "Critical" in card.text and "Calm down" in card.text and phrase["message"] in card.text

    note = "calling the customer back"
    card.find_element(By.CSS_SELECTOR, "input.note").send_keys(note)
    card.find_element(By.XPATH, ".//button[normalize-space()='Acknowledge']").click()
    wait_for(browser, "the card to show acknowledged", css(browser, f"{card_css}[data-state='acknowledged']"))
    assert "Acknowledged by supervisor ann" in browser.find_element(By.CSS_SELECTOR, card_css).text

    stored = server.client.get(f"/v1/alerts/{phrase['id']}").json()
    assert stored["state"] == "acknowledged" and stored["acknowledged_by"] == "supervisor ann"
    assert stored["history"][-1]["note"] == note

    # A change made elsewhere (another supervisor, here the API) reaches the page through the stream.
    assert server.client.post(f"/v1/alerts/{other['id']}/resolve", json={"note": "done"}).status_code == 200
    resolved = f"#feed li[data-alert-id='{other['id']}'][data-state='resolved']"
    wait_for(browser, "a resolve made elsewhere", css(browser, resolved))

    browser.save_screenshot(str(SCREENSHOT))
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors

    # A network blip: the stream drops, an alert is raised while the page cannot hear, the network returns.
    network.cut()
    wait_for(browser, "the page to show the drop", css(browser, "#connection[data-state='retrying']"))
    post(server, recent(call("late-1", answered=5, turns=RUDE_CALL[:3], ended=None, queue="billing"), base))
    missed = server.client.get("/v1/alerts", params={"interaction_id": "late-1", "rule": "forbidden_phrase"})
    network.restore()
    wait_for(browser, "the stream to reconnect", css(browser, "#connection[data-state='live']"))
    wait_for(
        browser,
        "the alert raised during the drop",
        css(browser, f"#feed li[data-alert-id='{missed.json()['items'][0]['id']}']"),
    )
    resumed = [
        c for c in network.sent if c.startswith(b"GET /v1/alerts/stream") and b"\r\nlast-event-id: " in c.lower()
    ]
    assert resumed, "the page reconnected without Last-Event-ID"

    # Filters narrow the list and the stream: open critical alerts only (the acknowledged one leaves).
    Select(browser.find_element(By.ID, "f-severity")).select_by_value("critical")
    Select(browser.find_element(By.ID, "f-state")).select_by_value("open")
    browser.find_element(By.CSS_SELECTOR, "#filters button[type='submit']").click()
    wanted = server.client.get("/v1/alerts", params={"severity": "critical", "state": "open"}).json()["items"]
    assert wanted and phrase["id"] not in {a["id"] for a in wanted}

    def shown(d: WebDriver) -> set[int]:
        return {int(li.get_attribute("data-alert-id")) for li in d.find_elements(By.CSS_SELECTOR, "#feed li.alert")}

    wait_for(browser, "the filtered feed", lambda d: shown(d) == {a["id"] for a in wanted})
    assert browser.execute_script("return window.sameDocument === true"), "the page reloaded"
