"""Dashboard sign-in, sessions, CSRF and the off switch, over real HTTP on loopback."""

from __future__ import annotations

import logging
import re

import aiohttp
import pytest

from bot.settings import SettingError, load_settings
from bot.web.auth import Sessions, SignInGuard, token_matches
from bot.web.dashboard import Dashboard
from bot.web.metrics import Metrics
from bot.web.server import build_app
from tests.fakes.operations_view import InMemoryOperations, delivery, running, subscription

TOKEN = "correct-horse-battery-staple-0123456789"


class Clock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def _client() -> aiohttp.ClientSession:
    # The session cookie is set for 127.0.0.1; aiohttp's jar ignores IP hosts unless told otherwise.
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def _sign_in(http: aiohttp.ClientSession, url: str, token: str = TOKEN) -> aiohttp.ClientResponse:
    async with http.post(url + "/signin", data={"token": token}, allow_redirects=False) as response:
        await response.read()
        return response


async def _csrf(http: aiohttp.ClientSession, url: str, page: str = "/") -> str:
    async with http.get(url + page) as response:
        match = re.search(r'name="csrf" value="([^"]+)"', await response.text())
    assert match, "the page should carry a CSRF token in its forms"
    return match.group(1)


def test_token_comparison_rejects_near_misses_and_an_empty_configuration():
    assert token_matches(TOKEN, TOKEN)
    assert not token_matches(TOKEN[:-1], TOKEN)
    assert not token_matches("", "")
    assert not token_matches("ünïcode", TOKEN)


def test_a_short_dashboard_token_is_refused_as_a_setting():
    assert load_settings({"BOT_DASHBOARD_TOKEN": f" {TOKEN} "}).dashboard_token == TOKEN
    assert load_settings({}).dashboard_token == ""
    with pytest.raises(SettingError, match=r"BOT_DASHBOARD_TOKEN.*at least 16 characters"):
        load_settings({"BOT_DASHBOARD_TOKEN": "hunter2"})


def test_failed_attempts_lock_a_client_out_for_longer_each_time_and_only_that_client():
    clock = Clock()
    guard = SignInGuard(clock, free_attempts=3, base_delay=1.0, max_delay=60.0)
    assert [guard.failed("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert guard.failed("a") == 1.0
    assert guard.retry_after("a") == 1.0 and guard.retry_after("b") == 0.0
    clock.now += 1.0
    assert guard.retry_after("a") == 0.0
    assert guard.failed("a") == 2.0 and guard.failed("a") == 4.0
    for _ in range(20):
        guard.failed("a")
    assert guard.retry_after("a") == 60.0  # capped
    guard.succeeded("a")
    assert guard.retry_after("a") == 0.0


def test_the_guard_forgets_idle_clients_and_keeps_its_memory_bounded():
    clock = Clock()
    guard = SignInGuard(clock, free_attempts=0, forget_after=100.0, max_clients=10)
    guard.failed("old")
    clock.now += 101
    assert guard.retry_after("old") == 0.0
    for n in range(50):
        guard.failed(f"10.0.0.{n}")
    assert len(guard._clients) == 10


def test_sessions_expire_on_the_clock():
    clock = Clock()
    sessions = Sessions(clock, ttl=60)
    session = sessions.create()
    assert sessions.get(session.id) is session and len(session.csrf) >= 32
    clock.now += 61
    assert sessions.get(session.id) is None
    assert sessions.get("") is None and sessions.get("forged") is None


@pytest.mark.parametrize("path", ["/", "/briefings", "/signin", "/deliveries"])
async def test_without_a_token_the_pages_answer_404_saying_how_to_enable_them(path: str):
    async with running(build_app(InMemoryOperations(), Metrics(), token="")) as url:
        async with aiohttp.ClientSession() as http, http.get(url + path) as response:
            assert response.status == 404
            assert "BOT_DASHBOARD_TOKEN" in await response.text()
        async with aiohttp.ClientSession() as http, http.post(url + "/signin", data={"token": ""}) as response:
            assert response.status == 404
        async with aiohttp.ClientSession() as http, http.get(url + "/healthz") as response:
            assert response.status == 200


async def test_pages_need_a_session_and_sign_in_sets_a_strict_http_only_cookie(caplog):
    caplog.set_level(logging.DEBUG)
    async with running(build_app(InMemoryOperations(), Metrics(), token=TOKEN)) as url, _client() as http:
        async with http.get(url + "/subscriptions", allow_redirects=False) as response:
            assert response.status == 303 and response.headers["Location"] == "/signin"
        response = await _sign_in(http, url)
        assert response.status == 303 and response.headers["Location"] == "/"
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        async with http.get(url + "/subscriptions") as response:
            assert response.status == 200 and "<h1>Subscriptions</h1>" in await response.text()
            assert response.headers["Cache-Control"] == "no-store"
            assert "script-src" not in response.headers["Content-Security-Policy"]  # default-src 'none' covers it
    assert TOKEN not in caplog.text


async def test_behind_a_tls_proxy_the_session_cookie_can_be_marked_secure():
    async with running(build_app(InMemoryOperations(), Metrics(), token=TOKEN, secure_cookie=True)) as url:
        async with _client() as http:
            response = await _sign_in(http, url)
    assert "Secure" in response.headers["Set-Cookie"]


async def test_a_wrong_token_is_refused_and_repeated_failures_are_slowed(caplog):
    clock = Clock()
    view = InMemoryOperations()
    dashboard = Dashboard(view, TOKEN, clock, guard=SignInGuard(clock, free_attempts=2, base_delay=30))
    async with running(build_app(view, Metrics(), dashboard=dashboard)) as url, _client() as http:
        for _ in range(2):
            async with http.post(url + "/signin", data={"token": "guess"}) as response:
                assert response.status == 401 and "That token is not right." in await response.text()
        async with http.post(url + "/signin", data={"token": "guess"}) as response:
            assert response.status == 401  # this failure starts a 30 s lock-out
        # Even the right token waits out the lock-out: the guess count must not be beaten by luck.
        async with http.post(url + "/signin", data={"token": TOKEN}, allow_redirects=False) as response:
            assert response.status == 429 and response.headers["Retry-After"] == "31"
            assert "try again in 31 s" in await response.text()
        clock.now += 31
        response = await _sign_in(http, url)
        assert response.status == 303
    assert "guess" not in caplog.text and TOKEN not in caplog.text


async def test_actions_need_the_sessions_csrf_token_and_reach_the_view_with_the_operator():
    view = InMemoryOperations()
    view.subscription_list.append(subscription(7, active=False, reason="bot was blocked"))
    view.failed.append(delivery(3, "failed", "403: Forbidden: bot was kicked"))
    async with running(build_app(view, Metrics(), token=TOKEN)) as url, _client() as http:
        await _sign_in(http, url)
        for path in ("/actions/reload", "/actions/retry-failed", "/subscriptions/7/reactivate"):
            for form in ({}, {"csrf": "forged"}):
                async with http.post(url + path, data=form) as response:
                    assert response.status == 403, path
        assert view.audit == [] and view.reloads == 0
        csrf = await _csrf(http, url)
        async with http.post(url + "/actions/reload", data={"csrf": csrf}) as response:
            assert response.status == 200 and "Reloaded: 0 briefings" in await response.text()
        async with http.post(url + "/actions/retry-failed", data={"csrf": csrf}) as response:
            assert "1 failed delivery queued again." in await response.text()
        async with http.post(url + "/subscriptions/7/reactivate", data={"csrf": csrf}) as response:
            assert "Subscription reactivated." in await response.text()
        async with http.post(url + "/subscriptions/7/reactivate", data={"csrf": csrf}) as response:
            assert "not inactive any more" in await response.text()
    assert [(action, op.name, op.address) for action, op, _ in view.audit] == [
        ("reload", "dashboard", "127.0.0.1"),
        ("retry_failed", "dashboard", "127.0.0.1"),
        ("reactivate", "dashboard", "127.0.0.1"),
    ]
    assert view.subscription_list[0].active and view.failed == []


async def test_a_csrf_token_from_another_session_is_refused():
    view = InMemoryOperations()
    async with running(build_app(view, Metrics(), token=TOKEN)) as url, _client() as alice, _client() as mallory:
        await _sign_in(alice, url)
        await _sign_in(mallory, url)
        stolen = await _csrf(mallory, url)
        async with alice.post(url + "/actions/reload", data={"csrf": stolen}) as response:
            assert response.status == 403
    assert view.reloads == 0


async def test_sign_out_ends_the_session():
    async with running(build_app(InMemoryOperations(), Metrics(), token=TOKEN)) as url, _client() as http:
        await _sign_in(http, url)
        csrf = await _csrf(http, url)
        async with http.post(url + "/signout", data={"csrf": csrf}) as response:
            assert response.url.path == "/signin"
        async with http.get(url + "/", allow_redirects=False) as response:
            assert response.status == 303


async def test_a_failing_view_gives_a_one_line_page_not_a_traceback(caplog):
    view = InMemoryOperations()
    async with running(build_app(view, Metrics(), token=TOKEN)) as url, _client() as http:
        await _sign_in(http, url)
        view.broken = OSError("disk I/O error")
        async with http.get(url + "/deliveries") as response:
            body = await response.text()
    assert response.status == 500
    assert "the service log has the details" in body and "Traceback" not in body and "disk I/O" not in body
    assert "disk I/O error" in caplog.text


async def test_unknown_briefings_and_odd_query_strings_get_plain_answers():
    view = InMemoryOperations()
    async with running(build_app(view, Metrics(), token=TOKEN)) as url, _client() as http:
        await _sign_in(http, url)
        async with http.get(url + "/briefings/nope") as response:
            assert response.status == 404 and "no briefing with that id" in await response.text()
        async with http.get(url + "/subscriptions?page=abc") as response:
            assert response.status == 200
        async with http.get(url + "/briefings", params={"q": "x" * 5000}) as response:
            assert response.status == 200
        async with http.post(url + "/signin", data={"token": "x" * 200_000}) as response:
            assert response.status == 413  # bodies are capped well below this


async def test_a_form_posted_from_another_site_is_refused_even_with_a_valid_token():
    view = InMemoryOperations()
    async with running(build_app(view, Metrics(), token=TOKEN)) as url, _client() as http:
        async with http.post(
            url + "/signin", data={"token": TOKEN}, headers={"Origin": "https://evil.example"}, allow_redirects=False
        ) as response:
            assert response.status == 403
        await _sign_in(http, url)
        csrf = await _csrf(http, url)
        async with http.post(
            url + "/actions/reload", data={"csrf": csrf}, headers={"Origin": "http://evil.example:8080"}
        ) as response:
            assert response.status == 403 and "another site" in await response.text()
        async with http.post(url + "/actions/reload", data={"csrf": csrf}, headers={"Origin": "null"}) as response:
            assert response.status == 403  # a sandboxed frame or a page that hides where it is
        assert view.reloads == 0
        async with http.post(url + "/actions/reload", data={"csrf": csrf}, headers={"Origin": url}) as response:
            assert response.status == 200
        assert view.reloads == 1


async def test_the_subscriptions_page_can_show_only_the_inactive_ones():
    view = InMemoryOperations()
    view.subscription_list += [subscription(n) for n in range(1, 150)]
    view.subscription_list.append(subscription(500, active=False, reason="chat not found"))
    async with running(build_app(view, Metrics(), token=TOKEN)) as url, _client() as http:
        await _sign_in(http, url)
        async with http.get(url + "/subscriptions") as response:
            body = await response.text()
            assert "1–100 of 150" in body and 'href="/subscriptions?page=2"' in body
        async with http.get(url + "/subscriptions?show=inactive") as response:
            body = await response.text()
            assert "1–1 of 1" in body and "chat not found" in body and "-100001<" not in body
