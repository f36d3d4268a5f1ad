"""Issue 13 in a real browser (Debian's chromium): webdev answers cannot send data out
by WebRTC, the frame opened alone cannot navigate the tab, and Back after signing out
shows nothing kept."""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from arena_seed import ADMIN, Running

from fairclimb.store import NewBattle, SampleIn

pytestmark = pytest.mark.slow


def _webdev_battle(server: Running, username: str, first: str, second: str) -> int:
    account = server.arena.data.account(username=username)
    assert account is not None
    prompt = f"webdev for {username}"
    server.arena.import_samples([
        SampleIn("web-1", prompt, first, kind="webdev", language="html"),
        SampleIn("web-2", prompt, second, kind="webdev", language="html")])
    prompt_id = next(p.id for p in server.arena.data.prompts() if p.text == prompt)
    rows = [r for r in server.arena.data.sample_pool() if r[1] == prompt_id]
    return server.arena.data.add_battle(NewBattle(
        account.id, prompt_id, rows[0][0], rows[1][0], rows[0][2], rows[1][2], 1.0, None,
        datetime.now(UTC)))


def _webrtc_answer(port: int) -> str:
    """Tries WebRTC directly and through a nested frame; says what it got."""
    return f"""<!doctype html><p id="p">waiting</p><script>
function leak(RTC) {{
  var pc = new RTC({{iceServers: [{{urls: "stun:127.0.0.1:{port}"}}]}});
  pc.createDataChannel("out");
  pc.createOffer().then(function (o) {{ return pc.setLocalDescription(o); }});
}}
var got = [];
try {{ leak(window.RTCPeerConnection); got.push("direct:open"); }}
catch (e) {{ got.push("direct:blocked"); }}
try {{
  var f = document.createElement("iframe"); document.body.appendChild(f);
  leak(f.contentWindow.RTCPeerConnection); got.push("frame:open");
}} catch (e) {{ got.push("frame:blocked"); }}
document.getElementById("p").textContent = got.join(" ");
</script>"""


def test_webdev_answers_cannot_reach_out_by_webrtc(page: Any, server: Running,
                                                   join: Callable[..., int]) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(4.0)
    port = listener.getsockname()[1]
    join(page, "webrtc-wes")
    answer = _webrtc_answer(port)
    battle_id = _webdev_battle(server, "webrtc-wes", answer, answer + "<i>b</i>")
    page.goto(f"/battles/{battle_id}")
    text = page.frame_locator("#answer-a iframe").locator("#p").inner_text()
    try:
        data, _ = listener.recvfrom(2048)
    except TimeoutError:
        data = b""
    finally:
        listener.close()
    assert data == b"", "a STUN request left the frame"
    assert text == "direct:blocked frame:blocked"


def test_the_frame_opened_alone_is_not_served(page: Any, server: Running,
                                              join: Callable[..., int]) -> None:
    join(page, "alone-al")
    escape = "<script>top.location = 'https://example.invalid/phish';</script>"
    battle_id = _webdev_battle(server, "alone-al", escape, escape + "<i>b</i>")
    page.goto(f"/battles/{battle_id}/render/a")
    assert "only inside its task page" in page.inner_text("#error")
    assert page.url.endswith(f"/battles/{battle_id}/render/a")


def test_back_after_sign_out_shows_nothing_kept(page: Any, server: Running,
                                                sign_in: Callable[..., None]) -> None:
    sign_in(page, *ADMIN)
    response = page.goto("/admin")
    assert response.headers["cache-control"] == "no-store"
    page.click("form[action='/logout'] button")
    page.wait_for_url("**/login?m=out")
    page.go_back()
    page.wait_for_load_state()
    assert "/login" in page.url or "Raters, time and pay" not in page.content()
