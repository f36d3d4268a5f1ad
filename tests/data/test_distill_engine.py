"""Distillation checks answers through evaluate's one run engine (issue 10, defect 6)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from fairclimb.data import distill, plan_distill
from fairclimb.evaluate import EvalOptions
from fairclimb.models import GenerationParams, ModelSpec, RetryPolicy, Terms, open_backend
from fairclimb.store import Store
from fairclimb.suites import Suite, get_suite


@pytest.mark.slow
def test_javascript_answers_are_run_by_node(store: Store, fake_openai: Any) -> None:
    # distill built its own checker pool without Node.js: every answer "crashed".
    js = get_suite("fairclimb-js")
    task = js.tasks[0]
    suite = Suite(js.name, js.description, js.origin, (task,))
    fake_openai.set_responder(
        lambda request: f"```javascript\n{task.reference_program}```\n")
    spec = ModelSpec(name="js-teacher", base_url=fake_openai.base_url, model_id="fake-coder",
                     terms=Terms.ALLOW)
    store.add_model(spec)
    plan = plan_distill(spec, suite, 2, "js", GenerationParams(max_tokens=512),
                        options=EvalOptions(workers=1))
    outcome = distill(plan, store, open_backend(spec, os.environ, RetryPolicy()))
    assert (outcome.samples, outcome.passed, outcome.failed) == (2, 2, 0)
