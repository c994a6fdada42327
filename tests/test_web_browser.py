"""The dashboard in a real headless Chromium (Debian's package, driven by Playwright; no browser download).

One browser serves the module: Playwright's async objects belong to the event loop that made
them, so this module's tests and fixtures share one module-scoped loop.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, async_playwright

from bot.web.auth import SESSION_COOKIE
from bot.web.dashboard import Dashboard
from bot.web.metrics import Metrics
from bot.web.server import build_app
from tests.fakes.operations_view import InMemoryOperations, briefing, delivery, figure, running, subscription

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKEN = "s3cret-dashboard-token-for-tests-only"
HOSTILE = '<script>alert("pwned")</script><img src=x onerror=alert(1)> & “quotes”'
pytestmark = pytest.mark.asyncio(loop_scope="module")

PAGES = {
    "overview": "/",
    "briefings": "/briefings",
    "briefing": "/briefings/kursk",
    "hostile": "/briefings/evil",
    "subscriptions": "/subscriptions",
    "deliveries": "/deliveries",
}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does this in CI"
        )
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def open_page(browser: Browser) -> AsyncIterator[Callable[..., Awaitable[Page]]]:
    """A page in a fresh context (its own cookies), closed after the test."""
    contexts: list[BrowserContext] = []

    async def make(**options) -> Page:
        context = await browser.new_context(**options)
        contexts.append(context)
        return await context.new_page()

    yield make
    for context in contexts:
        await context.close()


@pytest.fixture
def view() -> InMemoryOperations:
    ops = InMemoryOperations()
    ops.briefing_list += [
        briefing(
            "kursk",
            "Ukrainian forces push deeper into Kursk",
            [
                [figure("villages captured", 28, "villages"), figure("depth of advance", 30, "km")],
                [figure("villages captured", 35, "villages"), figure("depth of advance", 30, "km")],
                [
                    figure("villages captured", 74, "villages"),
                    figure("depth of advance", 30, "km"),
                    figure("people evacuated", 121_000, "people"),
                ],
            ],
        ),
        briefing("evil", HOSTILE, [[figure("dead", 3, "people")]], summary=HOSTILE),
    ]
    ops.subscription_list += [
        subscription(n, "telegram" if n % 3 else "discord", keywords=("kursk",) if n % 2 else ()) for n in range(1, 40)
    ]
    ops.subscription_list.append(subscription(99, active=False, reason="Forbidden: bot was blocked by the user"))
    ops.pending += [delivery(n, "pending", age=60 * n) for n in range(1, 6)]
    ops.failed += [delivery(50, "failed", "Bad Request: chat not found " + "x" * 300)]
    return ops


@pytest.fixture
def dashboard(view: InMemoryOperations) -> Dashboard:
    return Dashboard(view, TOKEN)


@pytest_asyncio.fixture(loop_scope="module")
async def site(view: InMemoryOperations, dashboard: Dashboard) -> AsyncIterator[str]:
    async with running(build_app(view, Metrics(), dashboard=dashboard)) as url:
        yield url


@pytest.fixture
def signed_in(open_page, site: str, dashboard: Dashboard) -> Callable[..., Awaitable[Page]]:
    """A page already holding a session cookie (the sign-in form itself is tested once, below)."""

    async def make(**options) -> Page:
        page = await open_page(**options)
        session = dashboard.sessions.create()
        await page.context.add_cookies(
            [{"name": SESSION_COOKIE, "value": session.id, "url": site, "httpOnly": True, "sameSite": "Strict"}]
        )
        return page

    return make


def _watch(page: Page) -> list[str]:
    """Console errors, uncaught page errors and dialogs (an alert() would mean injected script ran)."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}"))
    return problems


async def _sign_in(page: Page, url: str, token: str = TOKEN) -> None:
    await page.goto(url + "/")
    assert page.url == url + "/signin"
    await page.get_by_label("Dashboard token").fill(token)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_load_state()


async def _labels_missing(page: Page) -> list[str]:
    return await page.eval_on_selector_all(
        "input:not([type=hidden]), select, textarea",
        "els => els.filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.name)",
    )


# WCAG contrast of every element's own text against the first opaque background behind it.
LOW_CONTRAST_JS = """
() => {
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.getClientRects().length === 0 || el.closest("svg, .skip")) continue;
    const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(`${el.tagName} ${ratio.toFixed(2)}: ${el.textContent.trim().slice(0, 30)}`);
  }
  return low;
}
"""


async def test_sign_in_and_every_page_renders_without_a_console_error(open_page, site: str, tmp_path: Path):
    page = await open_page(viewport={"width": 1280, "height": 900})
    problems = _watch(page)
    await _sign_in(page, site)
    assert page.url == site + "/"
    headings = {}
    for name, path in PAGES.items():
        response = await page.goto(site + path)
        assert response is not None and response.status == 200, path
        headings[name] = await page.inner_text("h1")
        assert await _labels_missing(page) == [], path
        assert await page.locator("h1").count() == 1, path
        assert await page.evaluate(LOW_CONTRAST_JS) == [], path
        # The stylesheet loaded under the CSP: the page font is not the browser's default serif.
        assert "system-ui" in await page.evaluate("getComputedStyle(document.body).fontFamily")
        await page.screenshot(path=tmp_path / f"{name}.png", full_page=True)
    assert headings == {
        "overview": "Overview",
        "briefings": "Briefings",
        "briefing": "Ukrainian forces push deeper into Kursk",
        "hostile": HOSTILE,
        "subscriptions": "Subscriptions",
        "deliveries": "Deliveries",
    }
    assert problems == []
    assert all((tmp_path / f"{name}.png").stat().st_size > 1000 for name in PAGES)


async def test_a_wrong_token_is_refused(open_page, site: str):
    page = await open_page()
    context = page.context
    await _sign_in(page, site, token="not-the-token")
    assert page.url == site + "/signin"
    assert await page.get_by_role("alert").inner_text() == "That token is not right."
    assert await context.cookies() == []
    await page.goto(site + "/deliveries")
    assert page.url == site + "/signin"


async def test_a_hostile_title_is_shown_literally_and_never_runs(signed_in, site: str):
    page = await signed_in()
    problems = _watch(page)
    await page.goto(site + "/briefings?q=" + "%3Cscript%3Ealert(2)%3C%2Fscript%3E")
    assert "<script>alert(2)</script>" in await page.inner_text("main")
    await page.goto(site + "/briefings")
    await page.get_by_role("link", name=HOSTILE).click()
    assert await page.inner_text("h1") == HOSTILE
    assert await page.locator("main script, main img").count() == 0
    assert problems == []


async def test_a_chart_is_drawn_for_each_figure_that_changed(signed_in, site: str):
    page = await signed_in()
    await page.goto(site + "/briefings/kursk")
    charts = page.locator("figure.chart svg")
    assert await charts.count() == 1  # villages moved; depth stayed; evacuations appeared once
    assert await page.get_by_role("img", name="villages captured across versions").count() == 1
    assert await charts.locator("circle").count() == 3
    assert await charts.locator("desc").text_content() == (
        "version 1: 28 villages; version 2: 35 villages; version 3: 74 villages"
    )
    box = await charts.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 80
    await page.goto(site + "/briefings/evil")
    assert await page.locator("figure.chart").count() == 0


async def test_a_post_without_the_csrf_token_is_refused(signed_in, site: str, view: InMemoryOperations):
    page = await signed_in()
    await page.goto(site + "/")
    await page.eval_on_selector("form[action='/actions/reload'] input[name=csrf]", "e => e.remove()")
    async with page.expect_response(site + "/actions/reload") as refused:
        await page.get_by_role("button", name="Reload content").click()
    assert (await refused.value).status == 403
    assert await page.inner_text("h1") == "Refused"
    assert view.reloads == 0
    await page.goto(site + "/")
    await page.get_by_role("button", name="Reload content").click()
    assert "Reloaded: 2 briefings" in await page.get_by_role("status").inner_text()
    assert view.reloads == 1 and view.audit[0][0] == "reload"


async def test_operators_reactivate_and_retry_from_the_pages(signed_in, site: str, view: InMemoryOperations):
    page = await signed_in()
    await page.goto(site + "/deliveries")
    await page.get_by_role("button", name="Retry failed deliveries").click()
    assert await page.get_by_role("status").inner_text() == "1 failed delivery queued again."
    await page.goto(site + "/subscriptions")
    assert "Forbidden: bot was blocked by the user" in await page.inner_text("main")
    await page.get_by_role("button", name="Reactivate telegram chat -100099").click()
    assert await page.get_by_role("status").inner_text() == "Subscription reactivated."
    assert [a for a, _, _ in view.audit] == ["retry_failed", "reactivate"]


async def test_every_page_fits_a_phone_screen(signed_in, site: str, tmp_path: Path):
    page = await signed_in(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    problems = _watch(page)
    for name, path in PAGES.items():
        await page.goto(site + path)
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow} px wider than a 390 px phone"
        await page.screenshot(path=tmp_path / f"phone-{name}.png", full_page=True)
    assert problems == []
