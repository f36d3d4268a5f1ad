"""Client overhead of the OpenAI-compatible backend: requests/s against a local server.

The fake OpenAI server (tests/fake_openai.py, constant answers) runs in its own process,
so client and server do not share a GIL. :class:`OpenAIBackend` is driven at a fixed
concurrency for N requests, K times; the median rate is reported against the issue's
target (1,500 requests/s on 2 cores). The same load through the official ``openai``
client's ``AsyncOpenAI`` is measured for comparison when that package is installed.

Example::

    .venv/bin/python benchmarks/generate_overhead.py --requests 5000 --concurrency 64
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from fairclimb.models import (
    CompletionRequest,
    GenerationParams,
    Message,
    ModelSpec,
    OpenAIBackend,
    RetryPolicy,
)

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1500.0
REQUEST = CompletionRequest(GenerationParams(max_tokens=16), messages=(Message("user", "hi"),))


async def drive(call: Callable[[], Awaitable[object]], requests: int, concurrency: int) -> float:
    """Requests per second for ``requests`` calls, ``concurrency`` in flight."""
    remaining = requests

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return requests / (time.perf_counter() - started)


async def fairclimb_rate(base_url: str, requests: int, concurrency: int) -> float:
    spec = ModelSpec(name="bench", base_url=base_url, model_id="fake")
    backend = OpenAIBackend(spec, api_key="not-a-secret", retry=RetryPolicy(timeout_s=30))
    try:
        await drive(lambda: backend.complete(REQUEST), concurrency, concurrency)  # warm up
        return await drive(lambda: backend.complete(REQUEST), requests, concurrency)
    finally:
        await backend.aclose()


async def openai_rate(base_url: str, requests: int, concurrency: int) -> float:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url, api_key="not-a-secret", max_retries=5)

    async def call() -> object:
        return await client.chat.completions.create(
            model="fake", messages=[{"role": "user", "content": "hi"}], max_tokens=16)

    try:
        await drive(call, concurrency, concurrency)
        return await drive(call, requests, concurrency)
    finally:
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    server = subprocess.Popen([sys.executable, str(ROOT / "tests" / "fake_openai.py")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        print(f"server {base_url}, {os.cpu_count()} cores, {args.requests} requests, "
              f"concurrency {args.concurrency}, median of {args.repeats}")
        clients: dict[str, Callable[[str, int, int], Awaitable[float]]] = {
            "fairclimb OpenAIBackend": fairclimb_rate}
        try:
            import openai  # noqa: F401

            clients["openai AsyncOpenAI"] = openai_rate
        except ImportError:
            print("openai is not installed; skipping the comparison")
        for label, measure in clients.items():
            rates = [asyncio.run(measure(base_url, args.requests, args.concurrency))
                     for _ in range(args.repeats)]
            rate = statistics.median(rates)
            verdict = "meets" if rate >= TARGET else "below"
            print(f"{label:26s} {rate:8,.0f} requests/s ({verdict} the {TARGET:,.0f}/s target;"
                  f" runs: {', '.join(f'{r:,.0f}' for r in rates)})")
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(10)


if __name__ == "__main__":
    main()
