"""Security headers and cookies: a strict CSP on every page, HttpOnly session cookies."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["APP_CSP", "FRAME_CSP", "SESSION_COOKIE", "SecurityHeaders"]

SESSION_COOKIE = "fc_session"
PRE_CSRF_COOKIE = "fc_csrf"  # double-submit token of the forms shown before signing in

# App pages: only our own files, no inline script or style, no plug-ins, no framing.
APP_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
           "frame-ancestors 'none'")
# A webdev answer, rendered alone: its own scripts run, but in a sandbox with an opaque
# origin (no cookies, no access to the app), and nothing may be fetched from anywhere.
FRAME_CSP = ("sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; "
             "style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'")

_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds the app's CSP (unless a route set its own) and hardening headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", APP_CSP.encode()))
                headers.extend(_HEADERS)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
