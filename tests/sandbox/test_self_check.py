"""`fairclimb sandbox self-check`: the threat battery, run the way a user runs it."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from fairclimb.cli import app
from fairclimb.sandbox import Outcome, Sandbox, _selfcheck, self_check


def test_self_check_reports_every_guarantee(backend_name: str) -> None:
    result = CliRunner().invoke(app, ["sandbox", "self-check", "--sandbox", backend_name,
                                      "--json"])
    report = json.loads(result.stdout)
    outcomes = {r["guarantee"]: r["outcome"] for r in report["results"]}
    assert len(outcomes) == len(_selfcheck._PROBES)
    # Nothing this backend claims on this machine is broken ...
    assert Outcome.BROKEN.value not in outcomes.values(), report
    # ... and the exit status says whether everything holds.
    assert report["all_hold"] is (set(outcomes.values()) == {Outcome.HOLDS.value})
    assert result.exit_code == (0 if report["all_hold"] else 1)
    if backend_name == "bwrap" and os.geteuid() == 0:  # then bubblewrap contains every class
        assert report["all_hold"], report


def test_a_broken_guarantee_fails_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_: Sandbox) -> str | None:
        return "the door was open"

    monkeypatch.setattr(_selfcheck, "_PROBES", (("a door that is shut", None, broken),))
    report = self_check("rlimits")
    assert not report.all_hold
    assert report.results[0].outcome is Outcome.BROKEN
    assert report.results[0].detail == "the door was open"
    result = CliRunner().invoke(app, ["sandbox", "self-check", "--sandbox", "rlimits"])
    assert result.exit_code == 1
    assert "broken" in result.stdout


def test_the_deliberate_lost_zygote_warns_nobody(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    with caplog.at_level(logging.WARNING):
        check = self_check("auto")
    assert check.results
    assert not [r.getMessage() for r in caplog.records if "zygote" in r.getMessage()]
