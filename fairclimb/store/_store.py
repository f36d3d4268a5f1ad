"""The store: one engine, one short session per call, plain records in and out."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, Executable, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from fairclimb.errors import StoreError, UnknownModelError, UserInputError
from fairclimb.models import ApiStyle, ModelSpec, Terms
from fairclimb.store._db import WRITE, reason
from fairclimb.store._models import Base, EvalResult, EvalRun, Generation, RegisteredModel
from fairclimb.store._open import open_engine
from fairclimb.store._records import NewRun, ResultRow, RunRecord

__all__ = ["DatabaseUnreachable", "Store"]

_RESULT_KEY = ["run_id", "sample_index"]
# A ladder submission's run records its board in its settings; listings leave it out.
_NOT_A_BOARD_RUN = EvalRun.settings["board"].as_string().is_(None)
# The result fields added by migration 0006, stored and read back as they are.
_WHOLE_RESULT = ("calls", "cost", "cost_measure", "speed_score", "fix_distance",
                 "schema_version")


class DatabaseUnreachable(StoreError):
    """The database server could not be reached, or dropped the connection mid-way
    (stopped, restarted, or the session was terminated). The transaction did not
    commit, unless the connection broke during the commit itself."""


class Store:
    """fairclimb's database. Open it with :meth:`Store.open`; it is safe to share between
    threads, except an in-memory SQLite store, whose single connection is not.

    Every method runs in its own transaction. Database failures raise
    :class:`~fairclimb.errors.StoreError`; nothing is half-written.
    """

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine that is already migrated; use :meth:`open` instead."""
        self._engine = engine
        self._shown = engine.url.render_as_string(hide_password=True)
        self._write_engine = engine.execution_options(**{WRITE: True})
        self._autocommit = (engine.execution_options(isolation_level="AUTOCOMMIT")
                            if engine.dialect.name == "postgresql" else engine)
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(self._write_engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str) -> Store:
        """Open the database at ``url`` (a bare path is a SQLite file), creating it if
        needed and migrating it to the newest schema.

        Raises :class:`~fairclimb.errors.StoreError` naming the URL and the fix.
        """
        return cls(open_engine(url))

    @property
    def url(self) -> str:
        """The database URL, password masked, fit to show a person."""
        return self._shown

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- runs --------------------------------------------------------------------------

    def create_run(self, run: NewRun) -> str:
        """Store a new run, started now, and return its id."""
        run_id = uuid.uuid4().hex
        row = EvalRun(
            run_id=run_id,
            suite=run.suite,
            samples_path=run.samples_path,
            samples_sha256=run.samples_sha256,
            out_dir=run.out_dir,
            settings=run.settings,
            sandbox=run.sandbox,
            sandbox_warning=run.sandbox_warning,
            fairclimb_version=run.fairclimb_version,
            n_samples=run.n_samples,
            started_at=datetime.now(UTC),
        )
        with self._session("creating a run", write=True) as session:
            session.add(row)
        return run_id

    def find_resumable_run(self, out_dir: str, samples_sha256: str) -> str | None:
        """The newest run, finished or not, over the same samples into the same folder."""
        query = (
            select(EvalRun.run_id)
            .where(EvalRun.out_dir == out_dir, EvalRun.samples_sha256 == samples_sha256)
            .order_by(EvalRun.started_at.desc())
            .limit(1)
        )
        with self._session("looking for a run to resume") as session:
            return session.scalars(query).first()

    def finish_run(self, run_id: str, summary: dict[str, Any]) -> None:
        """Mark the run finished now, with its summary (finishing again replaces both)."""
        statement = (
            update(EvalRun)
            .where(EvalRun.run_id == run_id)
            .values(finished_at=datetime.now(UTC), summary=summary)
        )
        with self._session("finishing a run", write=True) as session:
            if session.connection().execute(statement).rowcount == 0:
                raise StoreError(f"There is no run {run_id} in the database at {self._shown}.")

    def discard_empty_run(self, run_id: str) -> bool:
        """Delete the run if it has no results (say, its samples never came); True if so.

        A run with results is history and stays, finished or not.
        """
        with self._session("discarding an empty run", write=True) as session:
            if _stored_indices(session, run_id):
                return False
            deleted = session.connection().execute(
                delete(EvalRun).where(EvalRun.run_id == run_id))
            return bool(deleted.rowcount)

    def get_run(self, run_id: str) -> RunRecord | None:
        with self._session("reading a run") as session:
            row = session.get(EvalRun, run_id)
            return None if row is None else _run_record(row)

    def list_runs(self, limit: int = 50, *, include_boards: bool = False) -> list[RunRecord]:
        """The newest ``limit`` runs, newest first; a ladder board's runs (whose exact
        scores the board withholds) only with *include_boards*."""
        if limit < 0:
            raise ValueError("limit must not be negative")
        query = select(EvalRun)
        if not include_boards:
            query = query.where(_NOT_A_BOARD_RUN)
        query = query.order_by(EvalRun.started_at.desc()).limit(limit)
        with self._session("listing runs") as session:
            return [_run_record(row) for row in session.scalars(query)]

    def runs_starting_with(self, prefix: str, limit: int = 2) -> list[RunRecord]:
        """Up to ``limit`` runs whose id starts with ``prefix`` (a user may type a
        prefix of an id, as with git); ordered by id."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = (select(EvalRun).where(EvalRun.run_id.like(f"{escaped}%", escape="\\"),
                                       _NOT_A_BOARD_RUN)
                 .order_by(EvalRun.run_id).limit(limit))
        with self._session("finding a run") as session:
            return [_run_record(row) for row in session.scalars(query)]

    # -- results -----------------------------------------------------------------------

    def add_results(self, run_id: str, results: Sequence[ResultRow]) -> None:
        """Store results of a run, all or none. A sample index already stored for the run
        is skipped (a resumed run may report it again); the stored result stays.
        """
        unique = {row.sample_index: row for row in reversed(results)}  # first one wins
        rows = [_result_values(run_id, unique[index]) for index in sorted(unique)]
        if not rows:
            return
        with self._session("storing results", write=True) as session:
            skipping = _insert_skipping_duplicates(self._engine.dialect.name, EvalResult,
                                                   _RESULT_KEY)
            if skipping is not None:
                session.execute(skipping, rows)
                return
            # Other databases: the write transaction makes read-then-insert safe.
            stored = _stored_indices(session, run_id)
            fresh = [row for row in rows if row["sample_index"] not in stored]
            if fresh:
                session.execute(insert(EvalResult), fresh)

    def result_indices(self, run_id: str) -> set[int]:
        """The sample indices that already have a result in the run."""
        with self._session("reading results") as session:
            return _stored_indices(session, run_id)

    def results(self, run_id: str) -> list[ResultRow]:
        """The run's results, by sample index."""
        query = (
            select(EvalResult).where(EvalResult.run_id == run_id).order_by(EvalResult.sample_index)
        )
        with self._session("reading results") as session:
            return [_result_row(row) for row in session.scalars(query)]

    # -- model registry ----------------------------------------------------------------

    def add_model(self, spec: ModelSpec) -> None:
        """Register a model. Raises :class:`UserInputError` if the name is taken."""
        row = RegisteredModel(**_model_values(spec), created_at=datetime.now(UTC))
        with self._session("registering a model", write=True) as session:
            if session.get(RegisteredModel, spec.name) is not None:
                raise UserInputError(
                    f"a model named {spec.name!r} is already registered; choose another "
                    f"name or remove it first with: fairclimb models remove {spec.name}"
                )
            session.add(row)

    def require_model(self, name: str) -> ModelSpec:
        """The model called *name*, or :class:`UnknownModelError` listing the known ones."""
        spec = self.get_model(name)
        if spec is None:
            raise UnknownModelError(name, [model.name for model in self.list_models()])
        return spec

    def get_model(self, name: str) -> ModelSpec | None:
        with self._session("reading a model") as session:
            row = session.get(RegisteredModel, name)
            return None if row is None else _model_spec(row)

    def list_models(self) -> list[ModelSpec]:
        """Every registered model, by name."""
        query = select(RegisteredModel).order_by(RegisteredModel.name)
        with self._session("listing models") as session:
            return [_model_spec(row) for row in session.scalars(query)]

    def remove_model(self, name: str) -> bool:
        """Forget a model (its cached generations stay); False if there was none."""
        statement = delete(RegisteredModel).where(RegisteredModel.name == name)
        with self._session("removing a model", write=True) as session:
            return bool(session.connection().execute(statement).rowcount)

    # -- generation cache --------------------------------------------------------------

    def get_generation(self, cache_key: str) -> dict[str, Any] | None:
        """The stored completion JSON of a call, or None if it was never made."""
        with self._session("reading a generation") as session:
            row = session.get(Generation, cache_key)
            return None if row is None else row.completion

    def put_generation(
        self, cache_key: str, model_name: str, request: dict[str, Any], completion: dict[str, Any]
    ) -> None:
        """Store a call's request and completion; the first write of a key wins."""
        values = {"cache_key": cache_key, "model_name": model_name, "request": request,
                  "completion": completion, "created_at": datetime.now(UTC)}
        with self._session("storing a generation", write=True) as session:
            skipping = _insert_skipping_duplicates(self._engine.dialect.name, Generation,
                                                   ["cache_key"])
            if skipping is not None:
                session.execute(skipping, [values])
            elif session.get(Generation, cache_key) is None:
                session.execute(insert(Generation), [values])

    # -- plumbing ----------------------------------------------------------------------

    def transaction(self, doing: str, *, write: bool = False) -> AbstractContextManager[Session]:
        """A session in one transaction, for the store's per-part repositories (arena,
        data…) in this package; ``doing`` names the work in a failure's message."""
        return self._session(doing, write=write)

    def connection(self, doing: str, *, write: bool = False,
                   single: bool = False) -> AbstractContextManager[Connection]:
        """A Core connection in one transaction (no ORM work: the arena's vote path);
        *single*: the caller runs one read statement, which on PostgreSQL goes without
        BEGIN and COMMIT (two round trips fewer; one statement sees one snapshot)."""
        return self._connected(doing, write=write, single=single)

    @contextmanager
    def _connected(self, doing: str, *, write: bool, single: bool) -> Iterator[Connection]:
        engine = (self._autocommit if single and not write
                  else self._write_engine if write else self._engine)
        with self._failures(doing), engine.begin() as connection:
            yield connection

    @contextmanager
    def _session(self, doing: str, *, write: bool = False) -> Iterator[Session]:
        """A session in a transaction that commits on success; database failures
        become :class:`StoreError` naming what was being done.
        """
        factory = self._write if write else self._read
        with self._failures(doing), factory.begin() as session:
            yield session

    @contextmanager
    def _failures(self, doing: str) -> Iterator[None]:
        """Database failures as :class:`StoreError` naming what was being done."""
        try:
            yield
        except IntegrityError as exc:
            raise StoreError(
                f"The database at {self._shown} refused {doing} "
                f"({reason(exc, self._engine.url)}); check that the run exists."
            ) from exc
        except OperationalError as exc:
            kind = DatabaseUnreachable if _unreachable(exc) else StoreError
            raise kind(
                f"The database at {self._shown} failed while {doing} "
                f"({reason(exc, self._engine.url)}); check that it is reachable and has "
                "free space, then run the command again (finished work is kept)."
            ) from exc


def _unreachable(exc: OperationalError) -> bool:
    """The connection is gone (the server closed it, or none could be made), as opposed
    to the database answering with an error (SQLite's "locked", a deadlock)."""
    if exc.connection_invalidated:
        return True
    state = getattr(exc.orig, "sqlstate", "")  # PostgreSQL: None when never connected
    return state is None or str(state).startswith(("08", "57P"))  # connection, shutdown


def _insert_skipping_duplicates(
    dialect: str, table: type[Base], key: list[str]
) -> Executable | None:
    """An INSERT that leaves rows already stored alone, where the database has one."""
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=key)
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=key)
    return None


def _model_values(spec: ModelSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "base_url": spec.base_url,
        "model_id": spec.model_id,
        "api_key_env": spec.api_key_env,
        "terms": spec.terms.value,
        "terms_url": spec.terms_url,
        "style": spec.style.value,
        "backend": spec.backend,
        "price_in_per_mtok": spec.price_in_per_mtok,
        "price_out_per_mtok": spec.price_out_per_mtok,
        "provider": spec.provider,
    }


def _model_spec(row: RegisteredModel) -> ModelSpec:
    return ModelSpec(
        name=row.name,
        base_url=row.base_url,
        model_id=row.model_id,
        api_key_env=row.api_key_env,
        terms=Terms(row.terms),
        terms_url=row.terms_url,
        style=ApiStyle(row.style),
        backend=row.backend,
        price_in_per_mtok=row.price_in_per_mtok,
        price_out_per_mtok=row.price_out_per_mtok,
        provider=row.provider,
    )


def _stored_indices(session: Session, run_id: str) -> set[int]:
    return set(session.scalars(select(EvalResult.sample_index).where(EvalResult.run_id == run_id)))


def _result_values(run_id: str, row: ResultRow) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "sample_index": row.sample_index,
        "task_id": row.task_id,
        "status": str(row.status),
        "passed": row.passed,
        "detail": row.detail,
        "program_sha256": row.program_sha256,
        "cpu_s": row.cpu_s,
        "wall_s": row.wall_s,
        **{name: getattr(row, name) for name in _WHOLE_RESULT},
    }


def _result_row(row: EvalResult) -> ResultRow:
    return ResultRow(
        sample_index=row.sample_index,
        task_id=row.task_id,
        status=row.status,
        passed=row.passed,
        detail=row.detail,
        program_sha256=row.program_sha256,
        cpu_s=row.cpu_s,
        wall_s=row.wall_s,
        **{name: getattr(row, name) for name in _WHOLE_RESULT},
    )


def _run_record(row: EvalRun) -> RunRecord:
    return RunRecord(
        run_id=row.run_id,
        suite=row.suite,
        samples_path=row.samples_path,
        samples_sha256=row.samples_sha256,
        out_dir=row.out_dir,
        settings=row.settings,
        sandbox=row.sandbox,
        sandbox_warning=row.sandbox_warning,
        fairclimb_version=row.fairclimb_version,
        n_samples=row.n_samples,
        started_at=row.started_at,
        finished_at=row.finished_at,
        summary=row.summary,
    )
