"""The console in a real headless Chromium (Debian's chromium and chromium-driver, driven
by Selenium), on a scripted day of 24 calls: log in, the day's calls, a transcript, a
lead marked done, the escalations, an override in the rota, a new fact, the report, the
access log, and a call followed live while it runs. Screenshots of every page go to
build/artifacts/console-*.png for a person to look at."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agent.http_endpoint import serving
from agent.storage.call_records import CallAnswered, CallEvent, CallStarted, apply
from tests.console.conftest import PASSWORDS, Console
from tests.support.browser import artifacts, webdriver
from tests.support.scripted_day import DAY, acknowledge_emergencies, play_the_day

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.browser]

WAIT_S = 15.0


def _wait(driver: Any, condition: Callable[[Any], Any], what: str) -> Any:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, WAIT_S).until(condition)
    except TimeoutException:
        shot = artifacts() / "console-failed.png"
        driver.save_screenshot(str(shot))
        pytest.fail(f"{what}: not seen within {WAIT_S} s (screenshot {shot})")


async def test_the_owner_and_the_office_work_through_a_day_in_a_real_browser(
    console: Console,
) -> None:
    await play_the_day(console.db, console.settings, transcripts=True)
    await acknowledge_emergencies(console.db)
    loop = asyncio.get_running_loop()

    def on_loop(coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(30)

    async with serving("127.0.0.1:0", console.app, "web console") as address:
        assert address is not None
        shots = await asyncio.to_thread(_walk_through, f"http://{address}", console, on_loop)
    for shot in shots:
        assert shot.stat().st_size > 10_000, shot  # a page, not a blank


def _walk_through(base: str, console: Console, on_loop: Callable[[Any], Any]) -> list[Any]:
    from selenium.webdriver.common.by import By

    out = artifacts()
    shots = []

    def shot(name: str) -> None:
        path = out / f"console-{name}.png"
        driver.save_screenshot(str(path))
        shots.append(path)

    def text() -> str:
        return str(driver.find_element(By.TAG_NAME, "body").text)

    driver = webdriver()
    try:
        driver.get(f"{base}/calls?day={DAY}")  # not logged in: the log-in page
        _wait(driver, lambda d: "/login" in d.current_url, "the log-in page")
        driver.find_element(By.NAME, "username").send_keys("chefin")
        driver.find_element(By.NAME, "password").send_keys("falsch-falsch")
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        _wait(driver, lambda d: "stimmt nicht" in d.page_source, "the failed log-in")
        shot("login-failed")
        driver.find_element(By.NAME, "username").send_keys("chefin")
        driver.find_element(By.NAME, "password").send_keys(PASSWORDS["chefin"])
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        _wait(driver, lambda d: "Anrufe am 23.11.2026" in d.page_source, "the day's calls")
        rows = driver.find_elements(By.CSS_SELECTOR, "#calls tbody tr")
        assert len(rows) == 24
        shot("calls")

        # a lead's call: its transcript
        link = next(r for r in rows if "Anfrage" in r.text).find_element(By.TAG_NAME, "a")
        link.click()
        _wait(driver, lambda d: "Gesprächsverlauf" in d.page_source, "the transcript")
        said = driver.find_elements(By.CSS_SELECTOR, "li.said")
        assert len(said) >= 4 and {"caller", "assistant"} <= {
            c for e in said for c in e.get_attribute("class").split()
        }
        shot("call")

        # the leads: one marked done, without reloading the page (htmx)
        driver.get(f"{base}/work/leads")
        before = driver.find_elements(By.CSS_SELECTOR, "#work tbody tr[id^=item-]")
        assert before
        first_id = before[0].get_attribute("id")
        shot("work-leads")
        before[0].find_element(By.CSS_SELECTOR, "button").click()
        _wait(driver, lambda d: not d.find_elements(By.ID, first_id), "the lead leaving the list")
        assert "/work/leads" in driver.current_url
        count = driver.find_element(By.CSS_SELECTOR, ".tabs a.active .count").text
        assert int(count) == len(before) - 1  # the tab's count follows the list
        driver.get(f"{base}/work/messages")
        shot("work-messages")

        driver.get(f"{base}/escalations")
        assert "Thomas Huber" in text() and "bestätigt" in text()
        shot("escalations")

        # the rota: a stand-in for the next hours
        driver.get(f"{base}/rota")
        now = datetime.now(console.settings.business.tz)
        form = driver.find_element(By.ID, "add-override")
        _type_datetime(driver, form.find_element(By.NAME, "start"), now - timedelta(hours=1))
        _type_datetime(driver, form.find_element(By.NAME, "end"), now + timedelta(hours=5))
        form.find_element(By.CSS_SELECTOR, "select option:nth-child(3)").click()
        person = form.find_element(By.CSS_SELECTOR, "select option:nth-child(3)").text
        form.find_element(By.NAME, "note").send_keys("Urlaub Thomas")
        form.find_element(By.CSS_SELECTOR, "button").click()
        _wait(driver, lambda d: "Gespeichert" in d.page_source, "the saved override")
        assert person in driver.find_element(By.CSS_SELECTOR, ".now .big").text
        assert "Urlaub Thomas" in text()
        shot("rota")

        # the profile: a new fact, and the hours
        driver.get(f"{base}/profile")
        form = driver.find_element(By.ID, "new-fact")
        form.find_element(By.NAME, "topic").send_keys("languages")
        form.find_element(By.NAME, "keywords").send_keys("türkisch, sprachen")
        form.find_element(By.NAME, "de").send_keys("Ja, unser Monteur Emre spricht Türkisch.")
        form.find_element(By.NAME, "en").send_keys("Yes, our fitter Emre speaks Turkish.")
        form.find_element(By.CSS_SELECTOR, "button").click()
        _wait(driver, lambda d: "Gespeichert" in d.page_source, "the saved fact")
        assert driver.find_elements(By.ID, "fact-languages")
        assert "Emre spricht Türkisch" in console.profile.read_text("utf-8")
        shot("profile")

        driver.get(f"{base}/report?day={DAY}")
        frame = driver.find_element(By.CSS_SELECTOR, "iframe.report")
        driver.switch_to.frame(frame)
        _wait(driver, lambda d: "Anrufe angenommen" in d.page_source, "the report")
        assert driver.find_element(By.TAG_NAME, "img").get_attribute("naturalWidth") != "0"
        driver.switch_to.default_content()
        shot("report")

        driver.get(f"{base}/audit")
        assert "Gesprächsverlauf angesehen" in text() and "Vertretung eingetragen" in text()
        shot("audit")

        driver.get(f"{base}/users")
        assert {"chefin", "buero", "technik"} <= set(text().split())
        shot("users")

        _live_call(driver, base, on_loop, console, shot)
        return shots
    finally:
        driver.quit()


def _type_datetime(driver: Any, field: Any, moment: datetime) -> None:
    """A datetime-local field, set as a person's typing would set it."""
    driver.execute_script(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))",
        field, moment.strftime("%Y-%m-%dT%H:%M"),
    )  # fmt: skip


def _live_call(
    driver: Any, base: str, on_loop: Callable[[Any], Any], console: Console,
    shot: Callable[[str], None],
) -> None:  # fmt: skip
    """A call that is still running: it shows in today's list, and its page shows what is
    said as it is said (refreshed every 2 s), without a reload."""
    from selenium.webdriver.common.by import By

    call_id, now = uuid.uuid4(), datetime.now(UTC)

    async def write(*ops: Any) -> None:
        async with console.db.connection() as conn:
            for op in ops:
                await apply(conn, op)

    on_loop(write(
        CallStarted(call_id, "live-1", "+4989111222", "0891234567", now, "de", "websocket"),
        CallAnswered(call_id, now),
        CallEvent(call_id, "caller_said", {"text": "Bei mir tropft der Wasserhahn"}, now),
    ))  # fmt: skip
    driver.get(f"{base}/calls")
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "tr.live"), "the running call")
    driver.get(f"{base}/calls/{call_id}")
    assert "läuft" in driver.page_source
    later = now + timedelta(seconds=2)
    reply = {"text": "Das schauen wir uns an. Wie ist Ihr Name?"}
    on_loop(write(CallEvent(call_id, "assistant_said", reply, later)))
    _wait(driver, lambda d: "Wie ist Ihr Name?" in d.page_source, "the live transcript")
    shot("call-live")
