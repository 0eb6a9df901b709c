"""Waiting on the console in a real browser: the page rebuilds parts of itself every few seconds, so every
check waits for its condition, and a timeout leaves a screenshot and the browser's log."""

import os
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
SCREENSHOT_DIR_ENV = "CALLQA_SCREENSHOT_DIR"
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


# Every visible control has a name a screen reader can say, and every visible text meets WCAG AA contrast
# against the background it is drawn on (4.5:1, or 3:1 for large text). Returns what fails, as sentences.
AUDIT_JS = r"""
const problems = [];
const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
const lum = ([r, g, b]) => {
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};
const background = (e) => {
  for (let n = e; n; n = n.parentElement) {
    const c = rgb(getComputedStyle(n).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
  }
  return [255, 255, 255];
};
for (const e of document.querySelectorAll("button, input, select, a[href], [role='img']")) {
  if (!visible(e)) continue;
  const name = (e.getAttribute("aria-label") || e.textContent || "").trim()
    || (e.labels && e.labels.length) || e.getAttribute("aria-labelledby") || e.title;
  if (!name) problems.push(`no accessible name: ${e.outerHTML.slice(0, 120)}`);
}
for (const e of document.querySelectorAll("body *")) {
  if (!visible(e) || e.closest("svg")) continue;
  const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  if (!own) continue;
  const style = getComputedStyle(e);
  const size = parseFloat(style.fontSize);
  const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
  const fg = rgb(style.color).slice(0, 3);
  const [a, b] = [lum(fg), lum(background(e))].sort((x, y) => y - x);
  const ratio = (a + 0.05) / (b + 0.05);
  const text = e.textContent.trim().slice(0, 40);
  if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)}: ${e.tagName} ${e.className} "${text}"`);
}
return problems;
"""


def audit(driver: WebDriver) -> list[str]:
    return driver.execute_script(AUDIT_JS)


def screenshot_folder(tmp_path: Path) -> Path:
    """Where a test's screenshots go: $CALLQA_SCREENSHOT_DIR (docs/screenshots refreshes the README's), else its
    tmp dir."""
    folder = Path(os.environ.get(SCREENSHOT_DIR_ENV) or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
