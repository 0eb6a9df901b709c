"""Language and keyboard in a real browser: a Chinese-speaking supervisor's browser gets the console in Chinese
without asking, the switch changes it in place and the choice stays in the URL; the whole console works from
the keyboard, and moving to a view moves the reader there."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from service.clock import utc_now
from tests.api.wire import RUDE_CALL, call
from tests.browser.floor_data import moved
from tests.browser.support import css, post, sign_in, wait_for
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
def server(start_server: Callable[..., LiveServer]) -> LiveServer:
    return start_server(clock=utc_now)


def active(driver: WebDriver) -> str:
    return str(driver.execute_script("const a = document.activeElement; return a.id || a.textContent.trim()"))


def test_the_browser_language_chooses_and_the_switch_changes_it(server: LiveServer, chinese_browser: WebDriver) -> None:
    b = chinese_browser
    b.get(f"{server.url}/console")
    wait_for(b, "the Chinese page", lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN")
    assert "API 密钥" in b.find_element(By.CSS_SELECTOR, "label[for='api-key']").text
    assert b.title == "callqa · 主管控制台"
    b.find_element(By.ID, "api-key").send_keys(server.admin_key, Keys.ENTER)
    wait_for(b, "the stream", css("#connection[data-state='live']"))
    assert b.find_element(By.ID, "connection").text == "实时"
    assert b.find_element(By.CSS_SELECTOR, "#nav a[aria-current='page']").text == "告警"

    switch = b.find_element(By.ID, "lang-switch")
    assert switch.text == "English" and switch.get_attribute("lang") == "en"
    switch.click()
    wait_for(b, "the English page", lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    assert "lang=en" in b.current_url
    wait_for(b, "the view in English", lambda d: d.find_element(By.ID, "feed-heading").text.startswith("Alerts"))
    assert b.find_element(By.ID, "connection").text == "Live"
    b.refresh()  # the choice is kept: in the URL, and remembered for the next visit
    wait_for(b, "English after a reload", lambda d: d.find_element(By.ID, "feed-heading").text.startswith("Alerts"))
    b.get(f"{server.url}/console")
    wait_for(b, "English remembered", lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")


def test_keyboard_only(server: LiveServer, browser: WebDriver) -> None:
    b = browser
    b.get(f"{server.url}/console?lang=en")
    wait_for(b, "the key field to take focus", lambda d: active(d) == "api-key")
    b.switch_to.active_element.send_keys(server.admin_key, Keys.ENTER)
    wait_for(b, "the stream", css("#connection[data-state='live']"))
    wait_for(b, "focus on the alerts heading", lambda d: active(d) == "feed-heading")

    # The first Tab from the top of the page reaches the skip link, which jumps over the header.
    b.refresh()  # the key is kept in the tab: the console comes back with nothing focused
    wait_for(b, "the stream", css("#connection[data-state='live']"))
    ActionChains(b).send_keys(Keys.TAB).perform()
    assert b.switch_to.active_element.get_attribute("class") == "skip"
    # Tab on to the navigation and open the agent table with Enter.
    for _ in range(10):
        b.switch_to.active_element.send_keys(Keys.TAB)
        if b.switch_to.active_element.text == "Agents":
            break
    assert b.switch_to.active_element.text == "Agents"
    b.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(b, "the agent table", css("#agents"))
    assert "view=agents" in b.current_url and active(b) == "agents-heading"

    # Filters by keyboard: choose a severity and apply with Enter; the choice lands in the URL.
    b.get(f"{server.url}/console?lang=en")
    severity = wait_for(b, "the severity filter", css("#f-severity"))
    severity.send_keys("Critical")
    b.find_element(By.ID, "f-queue").send_keys("billing", Keys.ENTER)
    wait_for(
        b,
        "the filters in the URL",
        lambda d: "severity=critical" in d.current_url and "queue_id=billing" in d.current_url,
    )


def test_an_alert_link_opens_its_call(server: LiveServer, browser: WebDriver) -> None:
    """Alertmanager and webhooks link to /console#alert-<id>: the link lands on the call that raised it."""
    post(server, moved(call("link-1", answered=5, turns=RUDE_CALL, ended=90), datetime.now(UTC) - timedelta(minutes=5)))
    alert = server.client.get("/v1/alerts", params={"interaction_id": "link-1", "rule": "forbidden_phrase"}).json()
    browser.get(f"{server.url}/console?lang=en#alert-{alert['items'][0]['id']}")
    sign_in(browser, server.admin_key)
    wait_for(browser, "the call's page", css(".interaction-view[data-loaded='true']"))
    assert "view=interaction" in browser.current_url and "id=link-1" in browser.current_url
    assert browser.find_element(By.ID, "ia-heading").text == "Call link-1"
