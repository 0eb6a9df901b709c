"""The supervisor console in a real headless Chromium (Debian's `chromium` + `chromium-driver`): an alert posted
through the API appears on the page without a reload, in its call's group, and is acknowledged there (alone or
with its group); queue tiles and the live call checklist render from the live endpoints; the stream survives a
network blip; filters narrow the list and stay in the URL."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from service.clock import utc_now
from tests.api.wire import GOOD_CALL, RUDE_CALL, call
from tests.browser.floor_data import moved
from tests.browser.relay import Relay
from tests.browser.support import css, post, severe_errors, sign_in, wait_for
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


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
    # A call in progress (greeted, not yet closed) and an abandoned one: one call each, too few to colour a tile.
    post(server, moved(call("live-1", answered=5, turns=GOOD_CALL[:3], ended=None, queue="billing"), base))
    post(server, moved(call("gone-1", answered=None, ended=60, queue="sales"), base))

    # The browser goes through the relay, so the test can cut its connections; the test's own calls do not.
    browser.get(f"{network.url}/console?lang=en")
    browser.execute_script("window.sameDocument = true")  # gone if anything reloads the page
    assert browser.find_element(By.CSS_SELECTOR, "label[for='api-key']").text.startswith("API key")
    # The stream starts from "now": it must be open before the breach, or this test would pass by the list.
    sign_in(browser, supervisor_key)

    billing = wait_for(browser, "the billing tile", css("#queues [data-queue-id='billing']"))
    # (.text shows the tile's no-break space as a plain one)
    assert "100%" in billing.text and "target 80%" in billing.text
    # One abandoned call is 0 %, but one call is not a service level: the tile says so and is not red.
    sales = wait_for(browser, "the sales tile", css("#queues [data-queue-id='sales']"))
    assert "level-few" in sales.get_attribute("class") and "Too few calls to judge (1 of 5)" in sales.text
    live = "#calls [data-interaction-id='live-1']"
    wait_for(browser, "the greeting done", css(f"{live} [data-item='greeting'][data-status='pass']"))
    closing = browser.find_element(By.CSS_SELECTOR, f"{live} [data-item='closing']")
    assert closing.get_attribute("data-status") == "pending" and "…" in closing.text
    assert browser.find_elements(By.CSS_SELECTOR, f"{live} svg.spark polyline.spark-customer")

    post(server, moved(call("rude-1", answered=5, turns=RUDE_CALL, ended=None, queue="billing"), base))
    raised = server.client.get("/v1/alerts", params={"interaction_id": "rude-1"}).json()["items"]
    phrase = next(a for a in raised if a["rule"] == "forbidden_phrase")
    other = next(a for a in raised if a["id"] != phrase["id"])
    card_css = f"#feed li.alert[data-alert-id='{phrase['id']}']"
    card = wait_for(browser, "the forbidden-phrase alert in the feed", css(card_css))
    assert browser.execute_script("return window.sameDocument === true"), "the page reloaded"
    assert "sev-critical" in card.get_attribute("class") and card.get_attribute("data-state") == "open"
    assert "Critical" in card.text and "said a forbidden phrase" in card.text and "“Calm down”" in card.text
    group = browser.find_element(By.CSS_SELECTOR, "#feed li.group[data-group='i:rude-1']")
    assert len(group.find_elements(By.CSS_SELECTOR, "li.alert")) == len(raised)
    # Screen readers hear of it: the live region names the new alert in words.
    said = wait_for(
        browser, "the announcement", lambda d: d.find_element(By.ID, "announce").get_attribute("textContent")
    )
    assert f"{len(raised)} new alert(s)" in said and "Critical: 1" in said and "“Calm down”" in said, said

    note = "calling the customer back"
    group.find_element(By.CSS_SELECTOR, "input.note").send_keys(note)
    card.find_element(By.XPATH, ".//button[normalize-space()='Acknowledge']").click()
    wait_for(browser, "the card to show acknowledged", css(f"{card_css}[data-state='acknowledged']"))
    assert "Acknowledged by supervisor ann" in browser.find_element(By.CSS_SELECTOR, card_css).text

    stored = server.client.get(f"/v1/alerts/{phrase['id']}").json()
    assert stored["state"] == "acknowledged" and stored["acknowledged_by"] == "supervisor ann"
    assert stored["history"][-1]["note"] == note

    # A change made elsewhere (another supervisor, here the API) reaches the page through the stream.
    assert server.client.post(f"/v1/alerts/{other['id']}/resolve", json={"note": "done"}).status_code == 200
    resolved = f"#feed li.alert[data-alert-id='{other['id']}'][data-state='resolved']"
    wait_for(browser, "a resolve made elsewhere", css(resolved))
    assert not severe_errors(browser)

    # A network blip: the stream drops, an alert is raised while the page cannot hear, the network returns.
    network.cut()
    wait_for(browser, "the page to show the drop", css("#connection[data-state='retrying']"))
    post(server, moved(call("late-1", answered=5, turns=RUDE_CALL[:3], ended=None, queue="billing"), base))
    missed = server.client.get("/v1/alerts", params={"interaction_id": "late-1", "rule": "forbidden_phrase"})
    network.restore()
    wait_for(browser, "the stream to reconnect", css("#connection[data-state='live']"))
    wait_for(
        browser,
        "the alert raised during the drop",
        css(f"#feed li.alert[data-alert-id='{missed.json()['items'][0]['id']}']"),
    )
    resumed = [
        c for c in network.sent if c.startswith(b"GET /v1/alerts/stream") and b"\r\nlast-event-id: " in c.lower()
    ]
    assert resumed, "the page reconnected without Last-Event-ID"

    # Filters narrow the list and live in the URL: open critical alerts only (the acknowledged ones leave).
    Select(browser.find_element(By.ID, "f-severity")).select_by_value("critical")
    Select(browser.find_element(By.ID, "f-state")).select_by_value("open")
    browser.find_element(By.CSS_SELECTOR, "#filters button[type='submit']").click()
    wait_for(
        browser,
        "the filters in the URL",
        lambda d: "severity=critical" in d.current_url and "state=open" in d.current_url,
    )
    wanted = server.client.get("/v1/alerts", params={"severity": "critical", "state": "open"}).json()["items"]
    assert {a["id"] for a in wanted} and phrase["id"] not in {a["id"] for a in wanted}

    def shown(d: WebDriver) -> set[int]:
        return {int(li.get_attribute("data-alert-id")) for li in d.find_elements(By.CSS_SELECTOR, "#feed li.alert")}

    wait_for(browser, "the filtered feed", lambda d: shown(d) == {a["id"] for a in wanted})
    assert browser.execute_script("return window.sameDocument === true"), "the page reloaded"
    # Back returns to the unfiltered list, in the same document.
    browser.back()
    wait_for(browser, "the unfiltered feed", lambda d: phrase["id"] in shown(d))
    assert browser.execute_script("return window.sameDocument === true"), "the page reloaded"

    # Bulk acknowledge: the late call's group, every open alert of it at once.
    late = wait_for(browser, "the late call's group", css("#feed li.group[data-group='i:late-1'] button.ack-group"))
    late.click()
    wait_for(
        browser,
        "the late call's alerts acknowledged",
        lambda d: (
            not d.find_elements(By.CSS_SELECTOR, "#feed li.group[data-group='i:late-1'] li.alert[data-state='open']")
        ),
    )
    late_alerts = server.client.get("/v1/alerts", params={"interaction_id": "late-1"}).json()["items"]
    assert late_alerts and all(a["state"] == "acknowledged" for a in late_alerts)
