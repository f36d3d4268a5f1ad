"""The viewer: a read-only web UI over the store's runs and datasets (``fairclimb view``).

It shares the arena's templates, autoescaping, server-side highlighting and CSP, but has
no accounts and no POST route at all: every page is a GET that reads through the
evaluate and data facades. Private tasks stay withheld there (details, programs, texts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, TypeVar

import numpy as np
import uvicorn
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from fairclimb.data import MemberStatus, Origin, dataset_records, list_datasets
from fairclimb.errors import FairclimbError, StoreError, UserInputError
from fairclimb.evaluate import (
    ResultFilter,
    Status,
    compare_runs,
    resolve_run,
    run_model,
    run_results,
)
from fairclimb.store import Store
from fairclimb.web._common import render_page
from fairclimb.web._security import SecurityHeaders

__all__ = ["create_viewer", "serve_viewer"]

_STATIC = Path(__file__).with_name("static")
_RUNS_SHOWN = 200
router = APIRouter()
Text = Annotated[str, Query(max_length=200)]


def create_viewer(store: Store) -> FastAPI:
    """The viewer over *store*; the caller owns (and closes) the store."""
    app = FastAPI(title="fairclimb viewer", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    app.include_router(router)
    app.add_exception_handler(FairclimbError, _on_error)  # type: ignore[arg-type]
    return app


def serve_viewer(db: str, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve the viewer on *db* until interrupted (uvicorn, one process)."""
    with Store.open(db) as store:
        uvicorn.run(create_viewer(store), host=host, port=port, log_level="warning",
                    access_log=False)


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def _on_error(request: Request, exc: FairclimbError) -> Response:
    status = 400 if isinstance(exc, UserInputError) else 503 if isinstance(
        exc, StoreError) else 500
    return render_page("error.html", {"message": str(exc), "status": status}, status)


@router.get("/", response_class=HTMLResponse)
def runs_page(request: Request) -> HTMLResponse:
    runs = _store(request).list_runs(_RUNS_SHOWN)
    return _page("viewer/runs.html", {"runs": runs})


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: str, status: Text = "", task: Text = "",
             kind: Text = "") -> HTMLResponse:
    store = _store(request)
    run = resolve_run(store, run_id)
    where = ResultFilter(_enum(Status, status, "status"), task.strip(), kind.strip())
    results = run_results(store, run, where)
    return _page("viewer/run.html", {
        "run": run, "results": results, "where": where, "statuses": list(Status)})


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, a: Text, b: Text) -> HTMLResponse:
    store = _store(request)
    compared = compare_runs(store, resolve_run(store, a), resolve_run(store, b),
                            np.random.default_rng(0))
    return _page("viewer/compare.html", {"compared": compared})


@router.get("/datasets", response_class=HTMLResponse)
def datasets_page(request: Request) -> HTMLResponse:
    return _page("viewer/datasets.html", {"datasets": list_datasets(_store(request))})


@router.get("/datasets/{name}", response_class=HTMLResponse)
def dataset_page(request: Request, name: str, origin: Text = "",
                 status: Text = "") -> HTMLResponse:
    chosen_origin = _enum(Origin, origin, "origin")
    chosen_status = _enum(MemberStatus, status, "status")
    records = dataset_records(_store(request), name, chosen_origin, chosen_status)
    return _page("viewer/dataset.html", {
        "name": name, "records": records, "origin": origin, "status": status,
        "origins": list(Origin), "statuses": list(MemberStatus)})


E = TypeVar("E", Status, Origin, MemberStatus)


def _page(template: str, context: dict[str, Any]) -> HTMLResponse:
    return render_page(template, {**context, "model_of": run_model})


def _enum(kind: type[E], value: str, what: str) -> E | None:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(member.value for member in kind)
        raise UserInputError(f"unknown {what} {value!r}; choose one of {known}") from None
