"""Ranking tasks in a real browser (Debian's chromium): order N answers, score each
explanation 1-5, see the models afterwards; the ranking counts on the leaderboard."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from arena_seed import Running

pytestmark = pytest.mark.slow


def test_rank_three_answers_in_the_browser(browser: Any, server: Running,
                                           join: Callable[..., int]) -> None:
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        join(page, "rank-rita", landing=r".*/battle$")
        page.click("#new-ranking")
        page.wait_for_url(re.compile(r".*/rankings/\d+$"))
        ranking_id = int(page.url.rsplit("/", 1)[1])
        assert page.locator(".model").count() == 0  # anonymous until submitted
        assert page.locator("section.answer").count() == 3
        page.select_option("select[name=rank_0]", "3")
        page.select_option("select[name=rank_1]", "1")
        page.select_option("select[name=rank_2]", "2")
        for i, score in enumerate(("2", "5", "4")):
            page.select_option(f"select[name=explanation_{i}]", score)
        page.click("#submit-ranking")
        page.wait_for_selector("#result")
        task = server.arena.rankings.get(0, True, ranking_id)
        assert task.ranks == (3, 1, 2) and task.explanation == (2, 5, 4)
        assert page.inner_text("#ranked-1").startswith(f"Answer 2: {task.models[1]}")
        # a second submission (replayed form) changes nothing and says why
        replay = page.request.post(f"/rankings/{ranking_id}", form={
            "csrf": page.input_value("input[name=csrf]"), "rank_0": "1", "rank_1": "2",
            "rank_2": "3", "explanation_0": "1", "explanation_1": "1",
            "explanation_2": "1"}, max_redirects=0)
        assert replay.status == 409
        assert server.arena.rankings.get(0, True, ranking_id).ranks == (3, 1, 2)
    finally:
        context.close()
    pairs = [r for r in server.arena.rankings.records() if r.judge == task.judge]
    assert len(pairs) == 3
    admin_view = browser.new_context(base_url=server.url)
    try:
        board = admin_view.new_page()
        join(board, "rank-viewer", accept=False)  # the leaderboard needs no briefing
        board.goto("/leaderboard")
        text = board.inner_text("#leaderboard")
        assert "Explanation (1-5)" in text
    finally:
        admin_view.close()
