"""Security headers and cookies: a strict CSP on every page, HttpOnly session cookies."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["APP_CSP", "FRAME_CSP", "FRAME_GUARD", "SESSION_COOKIE", "SecurityHeaders",
           "guarded_answer"]

SESSION_COOKIE = "fc_session"
SIGNED_IN = "fairclimb_signed_in"  # request state: the session BodyLimits checked
PRE_CSRF_COOKIE = "fc_csrf"  # double-submit token of the forms shown before signing in

# App pages: only our own files, no inline script or style, no plug-ins, no framing.
APP_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
           "frame-ancestors 'none'")
# A webdev answer, rendered alone: its own scripts run, but in a sandbox with an opaque
# origin (no cookies, no access to the app), and nothing may be fetched from anywhere.
FRAME_CSP = ("sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; "
             "style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'")

# The first script of every webdev frame, before a byte of the answer. The CSP cannot
# stop WebRTC (a peer connection sends to any address it is given), so the guard takes
# the constructors away for good (non-configurable) and hides the windows of frames the
# answer makes through the DOM. It runs under the frame's 'unsafe-inline' like the
# answer: a nonce or hash would switch 'unsafe-inline' off for the answer's own scripts.
# What remains: a frame reached as ``window[0]`` before the guard could hide it.
FRAME_GUARD = """<script>(function () {
  var names = ["RTCPeerConnection", "webkitRTCPeerConnection", "mozRTCPeerConnection",
    "RTCDataChannel", "RTCSessionDescription", "RTCIceCandidate", "RTCRtpSender",
    "RTCRtpReceiver", "RTCRtpTransceiver", "RTCDtlsTransport", "RTCIceTransport",
    "RTCSctpTransport", "RTCCertificate", "RTCEncodedAudioFrame", "RTCEncodedVideoFrame"];
  names.forEach(function (name) {
    try { Object.defineProperty(window, name, {value: undefined, writable: false,
                                               configurable: false}); } catch (e) {}
  });
  [window.HTMLIFrameElement, window.HTMLFrameElement, window.HTMLObjectElement]
    .forEach(function (kind) {
      if (!kind) { return; }
      ["contentWindow", "contentDocument"].forEach(function (prop) {
        try { Object.defineProperty(kind.prototype, prop, {get: function () { return null; },
                                                           configurable: false}); } catch (e) {}
      });
    });
  try { Object.defineProperty(window, "frames", {get: function () { return null; },
                                                 configurable: false}); } catch (e) {}
})();</script>"""

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

        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", APP_CSP.encode()))
                if b"cache-control" not in names and not static:
                    # Pages show a rater's work, an admin's tokens: never kept by the
                    # browser (Back after signing out must not show them).
                    headers.append((b"cache-control", b"no-store"))
                headers.extend(_HEADERS)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def guarded_answer(answer: str) -> str:
    """The answer with the guard first: after a leading doctype (so the page keeps its
    standards mode), else at the very start."""
    head = answer.lstrip()
    if head[:9].lower() == "<!doctype":
        end = head.find(">") + 1
        return head[:end] + FRAME_GUARD + head[end:]
    return FRAME_GUARD + answer
