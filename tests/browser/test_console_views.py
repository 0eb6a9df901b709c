"""Every view of the console in headless Chromium, in English and in Chinese, over a floor in mid-shift: the
alerts grouped with their sentences and counts, an interaction page, the agent table, queue tiles, trends and
the wallboard; a screenshot of each at desktop (1440x900) and wall-screen (1920x1080) size.

Screenshots go to $CALLQA_SCREENSHOT_DIR (docs/screenshots refreshes the README's), else the test's tmp dir."""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from service.clock import utc_now
from tests.browser.floor_data import floor_batches
from tests.browser.support import audit, css, post, screenshot_folder, severe_errors, sign_in, text_in, wait_for
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1440, 900), "wall": (1920, 1080)}
WINDOW_RULE = "queue_abandonment_high"


@pytest.fixture
def floor(start_server: Callable[..., LiveServer]) -> LiveServer:
    # The page judges time by the browser's clock, the real one; window rules are evaluated every second.
    server = start_server(sweep=True, clock=utc_now, aggregate_interval_seconds=1)
    now = datetime.now(UTC)
    for batch in floor_batches(now):
        post(server, batch)
    for _ in range(100):  # the evaluator runs in the background: wait for its round, not for a time
        if server.client.get("/v1/alerts", params={"rule": WINDOW_RULE}).json()["items"]:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"no {WINDOW_RULE} alert was raised for the support queue")
    return server


@pytest.fixture
def shots(tmp_path: Path) -> Callable[[WebDriver, str], None]:
    folder = screenshot_folder(tmp_path)

    def take(driver: WebDriver, name: str) -> None:
        # Each view is also checked where it is pictured: names for every control, contrast for every text.
        assert not audit(driver), f"{name}: {audit(driver)}"
        for size, (width, height) in SIZES.items():
            metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
            time.sleep(0.3)  # let the layout settle at the new size before the picture
            driver.save_screenshot(str(folder / f"{name}-{size}.png"))
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    return take


WORDS = {
    "en": {
        "nav": "Alerts",
        "forbidden": "said a forbidden phrase",
        "window": "the abandonment rate was",
        "limit": "allows at most 10%",
        "critical": "Critical",
        "matched": "matched for",
        "waiting": "Waiting",
        "few": "Too few calls",
        "idle": "Idle",
        "on_hold": "On hold",
        "stale": "stale",
        "trend": "Service level",
    },
    "zh": {
        "nav": "告警",
        "forbidden": "说了禁用语",
        "window": "放弃率为",
        "limit": "不高于 10%",
        "critical": "严重",
        "matched": "命中",
        "waiting": "排队等待",
        "few": "来电太少",
        "idle": "空闲",
        "on_hold": "保持中",
        "stale": "疑似失联",
        "trend": "服务水平",
    },
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_view(floor: LiveServer, browser: WebDriver, shots: Callable[[WebDriver, str], None], lang: str) -> None:
    words = WORDS[lang]
    key = floor.create_key("supervisor ann", ["supervise"])
    browser.get(f"{floor.url}/console?lang={lang}")
    sign_in(browser, key)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang").startswith(lang)
    assert browser.find_element(By.CSS_SELECTOR, "#nav a[aria-current='page']").text == words["nav"]

    # Alerts: grouped by interaction and by queue, said in sentences with the figures and the standard's limit.
    rude = wait_for(
        browser, "the rude call's group", text_in("#feed li.group[data-group='i:b-102']", words["forbidden"])
    )
    assert "“Calm down”" in rude.text and len(rude.find_elements(By.CSS_SELECTOR, "li.alert")) >= 3
    assert "Calm down, that's not my problem" not in rude.text or "“Calm down”" in rude.text
    queue = wait_for(
        browser, "the support queue's group", text_in("#feed li.group[data-group='q:support']", words["window"])
    )
    assert words["limit"] in queue.text, queue.text
    critical = browser.find_element(By.CSS_SELECTOR, "#sev-counts button[data-severity='critical']")
    assert words["critical"] in critical.text and critical.get_attribute("aria-pressed") == "false"
    assert "0" not in critical.text.split()[-1]
    shots(browser, f"alerts-{lang}")

    # Filters live in the URL: the severity chip narrows the list, and a reload keeps it.
    critical.click()
    wait_for(browser, "the URL to carry the filter", lambda d: "severity=critical" in d.current_url)
    wait_for(browser, "warnings to leave", lambda d: not d.find_elements(By.CSS_SELECTOR, "#feed li.alert.sev-warning"))
    browser.refresh()
    wait_for(browser, "the filter after a reload", css("#f-severity option[value='critical']:checked"))
    wait_for(browser, "critical alerts after a reload", css("#feed li.alert.sev-critical"))

    # The interaction page: items with reasons, matched words highlighted, sentiment, timeline, alert history.
    browser.get(f"{floor.url}/console?view=interaction&id=b-102&lang={lang}")
    wait_for(browser, "the interaction page", css(".interaction-view[data-loaded='true']"))
    mark = browser.find_element(By.CSS_SELECTOR, "#transcript mark.hl-bad")
    assert mark.text == "Calm down" and words["matched"] in mark.get_attribute("title")
    failed = browser.find_element(By.CSS_SELECTOR, "#ia-items tr[data-item='no_forbidden_phrases']")
    assert failed.get_attribute("data-status") == "fail" and "“Calm down”" in failed.text
    assert browser.find_elements(By.CSS_SELECTOR, "#ia-sentiment-chart svg[role='img'] .s-customer polyline")
    assert browser.find_elements(By.CSS_SELECTOR, "#ia-timeline li[data-type='call.hold']")
    assert browser.find_elements(By.CSS_SELECTOR, "#ia-timeline svg .tl-hold")
    history = browser.find_elements(By.CSS_SELECTOR, "#ia-alerts .history li")
    assert history, "no alert history"
    assert "2026.12.2-default" in browser.find_element(By.CSS_SELECTOR, ".ia-summary").text
    shots(browser, f"interaction-{lang}")

    # A transfer on the timeline; a Chinese call's matched words.
    browser.get(f"{floor.url}/console?view=interaction&id=s-201&lang={lang}")
    wait_for(browser, "the transfer", css("#ia-timeline li[data-type='call.transferred']"))
    browser.get(f"{floor.url}/console?view=interaction&id=b-103&lang={lang}")
    wait_for(browser, "the Chinese call", css(".interaction-view[data-loaded='true']"))
    zh_marks = [m.text for m in browser.find_elements(By.CSS_SELECTOR, "#transcript mark.hl-good")]
    assert "您好" in zh_marks and "感谢您的来电" in zh_marks, zh_marks

    # Agents: state now, current contact, time in state, today's figures; the lost call flagged.
    browser.get(f"{floor.url}/console?view=agents&hours=8&lang={lang}")  # not "since midnight": any hour
    ann = wait_for(browser, "ann's row", css("#agents tr[data-agent-id='ann']"))
    assert words["on_hold"] in ann.text and "b-105" in ann.text
    assert words["idle"] in browser.find_element(By.CSS_SELECTOR, "#agents tr[data-agent-id='wang']").text
    assert words["stale"] in browser.find_element(By.CSS_SELECTOR, "#agents tr[data-agent-id='fay']").text
    shots(browser, f"agents-{lang}")

    # Queues: waiting and oldest waiting; a queue with too few calls is not coloured.
    browser.get(f"{floor.url}/console?view=queues&lang={lang}")
    billing = wait_for(browser, "the billing tile", css("#queue-tiles [data-queue-id='billing']"))
    assert words["waiting"] in billing.text
    support = wait_for(browser, "the support tile", css("#queue-tiles [data-queue-id='support']"))
    assert "level-bad" in support.get_attribute("class")
    vip = browser.find_element(By.CSS_SELECTOR, "#queue-tiles [data-queue-id='vip']")
    assert "level-few" in vip.get_attribute("class") and words["few"] in vip.text
    shots(browser, f"queues-{lang}")

    # Trends: three charts with their targets, and the figures in a table.
    browser.get(f"{floor.url}/console?view=trends&lang={lang}")
    wait_for(browser, "the trend charts", css("#trend-charts figure[data-metric='customer_sentiment'] svg"))
    assert words["trend"] in browser.find_element(By.CSS_SELECTOR, "#trend-charts").text
    shots(browser, f"trends-{lang}")

    # The wallboard: no controls, and the queues take turns (pictured holding still on the first).
    browser.get(f"{floor.url}/console?view=wallboard&rotate=600&lang={lang}")
    wait_for(browser, "the first queue on the wall", css(".wall-stage .tile.large[data-queue-id='billing']"))
    assert not browser.find_element(By.ID, "nav").is_displayed()
    assert words["critical"] in browser.find_element(By.CSS_SELECTOR, ".wall-counts").text
    shots(browser, f"wallboard-{lang}")
    browser.get(f"{floor.url}/console?view=wallboard&rotate=3&lang={lang}")
    wait_for(browser, "the next queue", css(".wall-stage .tile.large:not([data-queue-id='billing'])"))
    assert not severe_errors(browser)
