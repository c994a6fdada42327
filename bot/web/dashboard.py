"""The operator dashboard's routes: sign-in, the pages and the POST actions (each with a CSRF token).

Served only when a token is configured; otherwise every dashboard path answers 404 with a line
saying how to turn it on. Pages are server-rendered and work without JavaScript.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

from bot.web.auth import SESSION_COOKIE, Clock, Session, Sessions, SignInGuard, token_matches
from bot.web.charts import changed_charts
from bot.web.ports import OperationsView, Operator
from bot.web.render import STATIC, Templates

log = logging.getLogger(__name__)

DISABLED_LINE = "The dashboard is off. Set BOT_DASHBOARD_TOKEN to a long random secret to enable it."
PAGE_SIZE = 100
MAX_QUERY = 200
DASHBOARD_PATHS = (
    "/",
    "/signin",
    "/signout",
    "/briefings",
    "/briefings/{id}",
    "/subscriptions",
    "/subscriptions/{id}/reactivate",
    "/deliveries",
    "/actions/{name}",
    "/static/{name}",
)

Handler = Callable[[web.Request, Session], Awaitable[web.StreamResponse]]


def same_origin(request: web.Request) -> bool:
    """A browser names the site a form came from; another site's is refused (on top of the CSRF token).

    Host names only: behind a TLS proxy the scheme and port the server sees differ from the browser's.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser; the CSRF token still guards every action
    return urlsplit(origin).hostname == request.url.host


class Dashboard:
    def __init__(
        self,
        view: OperationsView,
        token: str,
        clock: Clock = time.time,
        guard: SignInGuard | None = None,
        sessions: Sessions | None = None,
        secure_cookie: bool | None = None,
    ):
        self.view = view
        self.token = token
        # None: Secure when the request came over TLS; True behind a proxy that terminates TLS.
        self.secure_cookie = secure_cookie
        self.clock = clock
        self.guard = guard or SignInGuard(clock)
        self.sessions = sessions or Sessions(clock)
        self.templates = Templates()

    def add_to(self, app: web.Application) -> None:
        router = app.router
        if not self.token:
            for path in DASHBOARD_PATHS:
                router.add_route("*", path, self.disabled)
            return
        router.add_get("/signin", self.signin_form)
        router.add_post("/signin", self.signin)
        router.add_post("/signout", self._action(self.signout))
        router.add_get("/", self._page(self.overview))
        router.add_get("/briefings", self._page(self.briefings))
        router.add_get("/briefings/{id}", self._page(self.briefing))
        router.add_get("/subscriptions", self._page(self.subscriptions))
        router.add_get("/deliveries", self._page(self.deliveries))
        router.add_post("/actions/reload", self._action(self.reload))
        router.add_post("/actions/retry-failed", self._action(self.retry_failed))
        router.add_post(r"/subscriptions/{id:\d{1,18}}/reactivate", self._action(self.reactivate))
        router.add_static("/static", STATIC, append_version=False)

    # -- plumbing --------------------------------------------------------------------------

    async def disabled(self, request: web.Request) -> web.Response:
        return web.Response(status=404, text=DISABLED_LINE + "\n")

    def _session(self, request: web.Request) -> Session | None:
        return self.sessions.get(request.cookies.get(SESSION_COOKIE))

    def _html(self, name: str, status: int = 200, session: Session | None = None, **context) -> web.Response:
        flash, csrf = [], ""
        if session is not None:
            flash, session.flash = session.flash, []
            csrf = session.csrf
        body = self.templates.render(name, csrf=csrf, flash=flash, **context)
        response = web.Response(status=status, text=body, content_type="text/html")
        response.headers["Cache-Control"] = "no-store"
        return response

    def _message(
        self, status: int, title: str, line: str, session: Session | None = None, back: str | None = None
    ) -> web.Response:
        return self._html("message.html", status, session, title=title, line=line, back=back, current="")

    def _page(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def page(request: web.Request) -> web.StreamResponse:
            session = self._session(request)
            if session is None:
                raise web.HTTPSeeOther("/signin")
            return await self._guarded(handler, request, session)

        return page

    def _action(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def action(request: web.Request) -> web.StreamResponse:
            if not same_origin(request):
                return self._message(403, "Refused", "This form was sent from another site.")
            session = self._session(request)
            if session is None:
                return self._message(403, "Signed out", "Your session has ended; sign in again.", back="/signin")
            form = await request.post()
            given = form.get("csrf")
            if not isinstance(given, str) or not session.csrf_matches(given):
                log.warning("dashboard: refused a %s without a valid CSRF token from %s", request.path, request.remote)
                return self._message(
                    403,
                    "Refused",
                    "This form did not come from this dashboard session; reload the page and try again.",
                    session,
                    back="/",
                )
            return await self._guarded(handler, request, session)

        return action

    async def _guarded(self, handler: Handler, request: web.Request, session: Session) -> web.StreamResponse:
        try:
            return await handler(request, session)
        except web.HTTPException:
            raise
        except Exception:
            log.exception("dashboard: %s %s failed", request.method, request.path)
            return self._message(
                500,
                "Something went wrong",
                "The bot could not answer this page; the service log has the details.",
                session,
                back="/",
            )

    @staticmethod
    def _operator(request: web.Request) -> Operator:
        return Operator("dashboard", request.remote or "unknown")

    # -- sign-in ---------------------------------------------------------------------------

    async def signin_form(self, request: web.Request) -> web.Response:
        if self._session(request) is not None:
            raise web.HTTPSeeOther("/")
        return self._html("signin.html", title="Sign in", error=None, current="")

    async def signin(self, request: web.Request) -> web.Response:
        if not same_origin(request):
            return self._message(403, "Refused", "This form was sent from another site.")
        client = request.remote or "unknown"
        wait = self.guard.retry_after(client)
        if wait > 0:
            response = self._html(
                "signin.html",
                429,
                title="Sign in",
                current="",
                error=f"Too many failed sign-ins; try again in {int(wait) + 1} s.",
            )
            response.headers["Retry-After"] = str(int(wait) + 1)
            return response
        form = await request.post()
        given = form.get("token")
        if not isinstance(given, str) or not token_matches(given, self.token):
            delay = self.guard.failed(client)
            log.warning("dashboard: failed sign-in from %s%s", client, f"; locked for {delay:g} s" if delay else "")
            return self._html("signin.html", 401, title="Sign in", current="", error="That token is not right.")
        self.guard.succeeded(client)
        session = self.sessions.create()
        log.info("dashboard: signed in from %s", client)
        response = web.HTTPSeeOther("/")
        response.set_cookie(
            SESSION_COOKIE,
            session.id,
            httponly=True,
            samesite="Strict",
            path="/",
            secure=request.secure if self.secure_cookie is None else self.secure_cookie,
            max_age=int(self.sessions.ttl),
        )
        raise response

    async def signout(self, request: web.Request, session: Session) -> web.Response:
        self.sessions.drop(session.id)
        response = web.HTTPSeeOther("/signin")
        response.del_cookie(SESSION_COOKIE, path="/")
        raise response

    # -- pages -----------------------------------------------------------------------------

    async def overview(self, request: web.Request, session: Session) -> web.Response:
        return self._html("overview.html", session=session, title="Overview", current="/", o=await self.view.overview())

    async def briefings(self, request: web.Request, session: Session) -> web.Response:
        query = " ".join(request.query.get("q", "").split())[:MAX_QUERY]
        rows = await self.view.briefings(query, PAGE_SIZE)
        return self._html(
            "briefings.html", session=session, title="Briefings", current="/briefings", query=query, rows=list(rows)
        )

    async def briefing(self, request: web.Request, session: Session) -> web.Response:
        detail = await self.view.briefing(request.match_info["id"])
        if detail is None:
            return self._message(404, "Not found", "There is no briefing with that id.", session, back="/briefings")
        return self._html(
            "briefing.html",
            session=session,
            title=detail.title,
            current="/briefings",
            b=detail,
            charts=changed_charts(detail.versions),
        )

    async def subscriptions(self, request: web.Request, session: Session) -> web.Response:
        try:
            number = max(1, min(100_000, int(request.query.get("page", "1"))))
        except ValueError:
            number = 1
        offset = (number - 1) * PAGE_SIZE
        inactive_only = request.query.get("show") == "inactive"
        page = await self.view.subscriptions(offset, PAGE_SIZE, inactive_only)
        return self._html(
            "subscriptions.html",
            session=session,
            title="Subscriptions",
            current="/subscriptions",
            page=page,
            number=number,
            first=offset + 1,
            last=offset + len(page.rows),
            show="inactive" if inactive_only else "all",
        )

    async def deliveries(self, request: web.Request, session: Session) -> web.Response:
        return self._html(
            "deliveries.html",
            session=session,
            title="Deliveries",
            current="/deliveries",
            d=await self.view.deliveries(PAGE_SIZE),
        )

    # -- actions (POST, CSRF-checked by _action; the view audits them) ---------------------

    async def reload(self, request: web.Request, session: Session) -> web.Response:
        result = await self.view.reload(self._operator(request))
        session.flash.append(result.message)
        raise web.HTTPSeeOther("/")

    async def retry_failed(self, request: web.Request, session: Session) -> web.Response:
        count = await self.view.retry_failed(self._operator(request))
        session.flash.append(f"{count} failed deliver{'y' if count == 1 else 'ies'} queued again.")
        raise web.HTTPSeeOther("/deliveries")

    async def reactivate(self, request: web.Request, session: Session) -> web.Response:
        subscription_id = int(request.match_info["id"])
        done = await self.view.reactivate(subscription_id, self._operator(request))
        session.flash.append("Subscription reactivated." if done else "That subscription is not inactive any more.")
        raise web.HTTPSeeOther("/subscriptions")
