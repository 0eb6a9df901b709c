"""Waiting on the console in a real browser: the page rebuilds parts of itself every few seconds, so every
check waits for its condition, and a timeout leaves a screenshot and the browser's log."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import LiveServer

FAILURE_SCREENSHOT = Path("/tmp/console-failure.png")
WAIT_SECONDS = 20


def wait_for(driver: WebDriver, what: str, condition: Callable[[WebDriver], Any]) -> Any:
    try:
        wait = WebDriverWait(driver, WAIT_SECONDS, 0.1, ignored_exceptions=(StaleElementReferenceException,))
        return wait.until(condition)
    except TimeoutException:
        driver.save_screenshot(str(FAILURE_SCREENSHOT))
        logs = [entry["message"] for entry in driver.get_log("browser")]
        asked = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => `${e.name} ${Math.round(e.duration)}ms`)"
        )
        pytest.fail(
            f"timed out waiting for {what}; screenshot {FAILURE_SCREENSHOT}; browser log: {logs}; requests: {asked}"
        )


def css(selector: str) -> Callable[[WebDriver], Any]:
    def found(d: WebDriver) -> Any:
        hits = d.find_elements(By.CSS_SELECTOR, selector)
        return hits[0] if hits else False

    return found


def text_in(selector: str, text: str) -> Callable[[WebDriver], Any]:
    def found(d: WebDriver) -> Any:
        hits = [e for e in d.find_elements(By.CSS_SELECTOR, selector) if text in e.text]
        return hits[0] if hits else False

    return found


def post(server: LiveServer, events: list[dict[str, Any]]) -> None:
    answer = server.client.post("/v1/events", json={"events": events})
    assert answer.status_code == 202, answer.text


def sign_in(driver: WebDriver, key: str) -> None:
    field = wait_for(driver, "the key field", css("#api-key"))
    field.send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "#key-form button[type='submit']").click()
    wait_for(driver, "the stream to open", css("#connection[data-state='live']"))


def severe_errors(driver: WebDriver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
