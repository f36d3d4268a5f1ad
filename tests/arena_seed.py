"""Arena test data: answers with hostile payloads, and a server on a free port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from fairclimb.arena import Arena, Role
from fairclimb.store import SampleIn
from fairclimb.web import create_app, server_config

ADMIN = ("admin", "admin-password-1")
PASSWORD = "rater-password-1"

# Answers that try to run script in the app's origin if they were ever not escaped.
XSS_SCRIPT = "def f():\n    return '</pre><script>window.__pwned = 1</script>'\n"
XSS_IMG = "def f():\n    return '<img src=x onerror=\"window.__pwned = 2\">'\n"
# A webdev answer that tries to reach out of its sandboxed frame.
WEBDEV_ESCAPE = """<!doctype html><p id="p">frame</p><script>
let got = "blocked";
try { got = "parent:" + parent.document.title; } catch (e) {}
try { got += "|cookie:" + document.cookie; } catch (e) { got += "|cookie-blocked"; }
try { parent.__pwned = 3; } catch (e) {}
document.getElementById("p").textContent = "ran:" + got;
</script>"""


def samples() -> list[SampleIn]:
    rows = []
    for i in range(24):  # a rater never sees an answer twice: enough for 21 tasks each
        prompt = f"def add{i}(a, b):\n    \"\"\"Return a + b + {i}.\"\"\"\n"
        rows.append(SampleIn("model-good", prompt, f"    return a + b + {i}\n", passed=True))
        rows.append(SampleIn("model-bad", prompt, f"    return a - b + {i}\n", passed=False))
        rows.append(SampleIn("model-xss", prompt, XSS_SCRIPT if i % 2 else XSS_IMG))
    page = "Write a page with a button."
    rows.append(SampleIn("model-good", page, WEBDEV_ESCAPE, kind="webdev", language="html"))
    rows.append(SampleIn("model-xss", page, WEBDEV_ESCAPE + "<b>x</b>", kind="webdev",
                         language="html"))
    return rows


def seed(arena: Arena) -> None:
    arena.accounts.create(ADMIN[0], ADMIN[1], Role.ADMIN)
    arena.briefing.publish(18.5, "EUR", "the fairclimb test team")
    arena.import_samples(samples())


@dataclass
class Running:
    url: str
    arena: Arena


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(arena: Arena) -> Iterator[Running]:
    """The app on a real uvicorn server in a thread, on a free loopback port."""
    port = free_port()
    config = server_config(create_app(arena), "127.0.0.1", port)  # as `arena serve` runs
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the arena server did not start")
        time.sleep(0.02)
    try:
        yield Running(f"http://127.0.0.1:{port}", arena)
    finally:
        server.should_exit = True
        thread.join(10)
