"""Issue 13, finding 4 (and look-alike usernames, finding 8): sign-in is limited per
account and per address, in the database; argon2 runs a bounded number at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from arena_seed import ADMIN, Running, running, seed
from helpers import csrf_of

from fairclimb.arena import Arena, ArenaOptions, NotSignedIn, RateLimited, Role
from fairclimb.errors import UserInputError
from fairclimb.store import Store

_OPTIONS = ArenaOptions(gold_rate=0.0, signin_failures_per_account=3,
                        signin_failures_per_address=8, hash_concurrency=2)


@pytest.fixture(scope="module")
def signin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    db = Path(tmp_path_factory.mktemp("signin")) / "arena.db"
    with Store.open(str(db)) as store:
        arena = Arena(store, _OPTIONS, np.random.default_rng(7))
        seed(arena)
        with running(arena) as live:
            yield live


def _try(server: Running, username: str, password: str) -> int:
    client = httpx.Client(base_url=server.url, timeout=30)
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf": csrf_of(page.text)}).status_code


def test_an_account_is_locked_after_failures_across_workers(signin_server: Running) -> None:
    signin_server.arena.accounts.create("locked-user", "right-password-1", Role.RATER)
    statuses = [_try(signin_server, "locked-user", "wrong-password") for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert _try(signin_server, "locked-user", "right-password-1") == 429
    # Another server process on the same database refuses too (the count is stored).
    with Store.open(str(signin_server.arena.data.store.url)) as other, \
            pytest.raises(RateLimited, match="wait"):
        Arena(other, _OPTIONS).accounts.login("locked-user", "right-password-1")


def test_an_address_is_limited_across_accounts(signin_server: Running) -> None:
    statuses = [_try(signin_server, f"nobody-{i}", "wrong-password") for i in range(10)]
    assert 429 in statuses and statuses.count(401) <= 8
    # from another address the admin still gets in
    signin_server.arena.accounts.login(*ADMIN, address="10.0.0.9")


def test_argon2_runs_a_bounded_number_at_once(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "a.db")) as store:
        arena = Arena(store, ArenaOptions(hash_concurrency=2,
                                          signin_failures_per_address=1000))
        arena.accounts.create("many", "right-password-1", Role.RATER)
        hasher = arena.accounts._hasher
        live, peak, lock = [0], [0], threading.Lock()

        class Counting:
            def __getattr__(self, name: str) -> Any:
                return getattr(hasher, name)

            def verify(self, hashed: str, password: str) -> bool:
                with lock:
                    live[0] += 1
                    peak[0] = max(peak[0], live[0])
                time.sleep(0.05)
                try:
                    return hasher.verify(hashed, password)
                finally:
                    with lock:
                        live[0] -= 1

        arena.accounts._hasher = Counting()  # type: ignore[assignment]

        def attempt(i: int) -> None:
            with pytest.raises(NotSignedIn):
                arena.accounts.login("many", f"wrong-{i}", address=f"10.1.0.{i}")

        with ThreadPoolExecutor(16) as pool:
            list(pool.map(attempt, range(16)))
        assert peak[0] == 2


@pytest.mark.parametrize("name", ["\uff41\uff44\uff4d\uff49\uff4e", "ADMIN", "\u0430dmin"])
# fullwidth letters (NFKC makes them "admin"), case, a Cyrillic a among Latin letters
def test_look_alike_usernames_are_refused(signin_server: Running, name: str) -> None:
    with pytest.raises(UserInputError):
        signin_server.arena.accounts.create(name, "a-password-123", Role.RATER)


def test_behind_a_proxy_the_limit_is_per_client(tmp_path: Path) -> None:
    """With the proxy's address trusted, X-Forwarded-For names the client: one client's
    failures do not lock out the others (all of whom come from the proxy)."""
    options = ArenaOptions(gold_rate=0.0, signin_failures_per_address=3,
                           forwarded_allow_ips="127.0.0.1")
    with Store.open(str(tmp_path / "a.db")) as store:
        arena = Arena(store, options, np.random.default_rng(1))
        seed(arena)
        with running(arena) as server:
            def attempt(client: str, username: str, password: str) -> int:
                http = httpx.Client(base_url=server.url, timeout=30,
                                    headers={"x-forwarded-for": client})
                page = http.get("/login")
                return http.post("/login", data={"username": username, "password": password,
                                                 "csrf": csrf_of(page.text)}).status_code

            assert [attempt("10.0.0.1", f"guess-{i}", "wrong-password")
                    for i in range(4)] == [401, 401, 401, 429]
            assert attempt("10.0.0.2", *ADMIN) == 303
