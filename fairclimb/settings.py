"""One settings object, layered: defaults → config file → environment → CLI flags.

Only the edges (the CLI, the web app) build a :class:`Settings`; parts receive the
values they need as arguments and never read the environment themselves.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from fairclimb.errors import UserInputError
from fairclimb.executor import Executor, ExecutorChoice

if TYPE_CHECKING:
    from fairclimb.arena import ArenaOptions, RatingOptions
    from fairclimb.evaluate import EvalOptions

__all__ = ["STORE_FILE", "Settings", "default_store_path", "find_project", "load_settings",
           "setting_sources"]

DEFAULT_CONFIG_FILE = "fairclimb.toml"
STORE_FILE = "fairclimb.db"


def find_project(start: Path | None = None) -> Path | None:
    """The nearest directory at or above *start* (the current directory) holding a
    ``fairclimb.db`` or a ``fairclimb.toml``, as git finds its repository."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / STORE_FILE).is_file() or (directory / DEFAULT_CONFIG_FILE).is_file():
            return directory
    return None


def _user_data_dir() -> Path:
    try:
        import platformdirs  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # the XDG default platformdirs gives on Linux
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(base) / "fairclimb"
    return Path(platformdirs.user_data_dir("fairclimb", appauthor=False))


def default_store_path(start: Path | None = None) -> Path:
    """Where the store is when none is named: the project's ``fairclimb.db`` (see
    :func:`find_project`), else ``fairclimb.db`` in the per-user data directory."""
    project = find_project(start)
    return (project if project is not None else _user_data_dir()) / STORE_FILE


def _default_db() -> str:
    path = default_store_path()
    # the per-user directory may not exist yet; an empty folder is no store
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


class Settings(BaseSettings):
    """Every setting fairclimb reads, with its default and meaning."""

    model_config = SettingsConfigDict(env_prefix="FAIRCLIMB_", extra="forbid")

    db: str = Field(
        default_factory=_default_db,
        description="SQLAlchemy URL of the store (a bare path means a SQLite file); "
        "default: fairclimb.db in the nearest directory at or above the current one that "
        "holds a fairclimb.db or a fairclimb.toml, else in the per-user data directory.",
    )
    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        description="Sandbox workers for execution (default: the number of cores); with "
        "executor ray, the checkers of each node (default: one per CPU Ray sees on it).",
    )
    timeout: float = Field(
        default=5.0, gt=0, description="Wall-clock seconds allowed for one sample."
    )
    memory_mb: int = Field(default=1024, ge=64, description="Address-space limit of a sample.")
    sandbox: str = Field(
        default="auto",
        description="Sandbox backend: auto (bubblewrap when present), bwrap, rlimits or a "
        "plugin's (the fairclimb.sandbox_backends entry points).",
    )
    node: str = Field(
        default="node",
        description="Node.js executable for JavaScript tasks: a path or a name on PATH.",
    )
    # The arena (``fairclimb arena serve``); defaults as in ArenaOptions (a test checks).
    arena_host: str = Field(default="127.0.0.1", description="Interface the arena listens on.")
    arena_port: int = Field(default=8000, ge=1, le=65535, description="Port of the arena.")
    arena_public_url: str | None = Field(
        default=None, description="Where raters reach the arena (https://arena.example.org), "
        "for invite links; the Host header is never trusted.")
    arena_forwarded_allow_ips: str | None = Field(
        default=None, description="The reverse proxy's address(es), comma-separated: their "
        "X-Forwarded-For names the client (sign-in limits per address).")
    arena_secure_cookies: bool = Field(
        default=False, description="Mark the arena's cookies Secure (serve behind https).")
    arena_votes_per_minute: int = Field(default=30, ge=1, description="Votes per rater per "
                                        "minute at most.")
    arena_battles_per_minute: int = Field(default=60, ge=1, description="Battles a rater may "
                                          "open per minute at most.")
    arena_session_hours: float = Field(default=12.0, gt=0, description="Hours a sign-in "
                                       "lasts.")
    arena_invite_days: float = Field(default=7.0, gt=0, description="Days an invite link "
                                     "stays valid.")
    arena_signin_failures_per_account: int = Field(
        default=10, ge=1, description="Failed sign-ins of one account within 15 minutes "
        "before it is locked until they pass.")
    arena_signin_failures_per_address: int = Field(
        default=50, ge=1, description="Failed sign-ins from one address within 15 minutes "
        "before it is locked out until they pass.")
    arena_max_connections: int = Field(
        default=1000, ge=1, description="Connections and requests the arena serves at once; "
        "beyond, 503.")
    # Ratings (``fairclimb ratings``); defaults as in RatingOptions (a test checks).
    ratings_bootstrap: int = Field(default=1000, ge=2, description="Bootstrap rounds of the "
                                   "rating intervals.")
    ratings_min_votes: int = Field(default=50, ge=0, description="A model with fewer battles "
                                   "than this is marked provisional.")
    ratings_seed: int = Field(default=0, description="Seed of the ratings bootstrap.")

    def eval_options(self) -> EvalOptions:
        """The execution options these settings say: workers, limits, sandbox, Node.js."""
        from fairclimb.evaluate import EvalOptions
        from fairclimb.sandbox import Limits

        limits = Limits(wall_s=self.timeout, memory_bytes=self.memory_mb << 20)
        return EvalOptions(workers=self.workers, limits=limits, sandbox=self.sandbox,
                           node=self.node, executor=self.executor_choice())

    def executor_choice(self) -> ExecutorChoice:
        """Where the heavy work runs. With Ray, ``workers`` given anywhere (flag,
        environment, config file) is the checkers of each node; left at its default
        (this machine's cores, which say nothing of the nodes'), each node runs one per
        CPU Ray sees on it."""
        per_node = (self.workers if self.executor is Executor.RAY
                    and "workers" in self.model_fields_set else None)
        return ExecutorChoice(self.executor, self.ray_address, per_node)

    def arena_options(self) -> ArenaOptions:
        """The arena's options these settings say (the rest keep their defaults)."""
        from fairclimb.arena import ArenaOptions

        return ArenaOptions(
            session_hours=self.arena_session_hours, invite_days=self.arena_invite_days,
            votes_per_minute=self.arena_votes_per_minute,
            battles_per_minute=self.arena_battles_per_minute,
            secure_cookies=self.arena_secure_cookies, public_url=self.arena_public_url,
            signin_failures_per_account=self.arena_signin_failures_per_account,
            signin_failures_per_address=self.arena_signin_failures_per_address,
            max_connections=self.arena_max_connections,
            forwarded_allow_ips=self.arena_forwarded_allow_ips)

    def rating_options(self) -> RatingOptions:
        """The rating options these settings say (the rest keep their defaults)."""
        from fairclimb.arena import RatingOptions

        return RatingOptions(bootstrap=self.ratings_bootstrap, min_votes=self.ratings_min_votes,
                             seed=self.ratings_seed)
    executor: Executor = Field(
        default=Executor.LOCAL,
        description="Where samples are executed and texts signed: local (this machine) or "
        "ray (every node of a Ray cluster; needs the 'ray' extra).",
    )
    ray_address: str | None = Field(
        default=None,
        description="With executor ray: the cluster's HOST:PORT (as `ray start --head` "
        "prints it); default: the cluster RAY_ADDRESS names, else a Ray of this machine.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # CLI flags arrive as init arguments, so they win over the environment,
        # which wins over the config file.
        from pydantic_settings import TomlConfigSettingsSource

        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml)


def _config_file() -> Path:
    named = os.environ.get("FAIRCLIMB_CONFIG")
    if named:
        return Path(named)
    project = find_project()
    return (project or Path.cwd()) / DEFAULT_CONFIG_FILE


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, with CLI flags (``None`` means "not given") on top."""
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "settings"
        raise UserInputError(
            f"invalid setting {where!r}: {error['msg']} (check {_config_file()}, the "
            "FAIRCLIMB_* environment variables and the command-line flags)"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise UserInputError(f"{_config_file()} is not valid TOML: {exc}") from None


def setting_sources(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Where each setting's value comes from: ``environment``, the config file's path,
    or ``default`` (flags are the command's own, so ``fairclimb config`` has none)."""
    env = {key.upper() for key in (os.environ if environ is None else environ)}
    path = _config_file()
    try:
        in_file = set(tomllib.loads(path.read_text(encoding="utf-8"))) if path.is_file() else set()
    except (OSError, tomllib.TOMLDecodeError):
        in_file = set()  # load_settings has already said what is wrong with it
    return {name: ("environment" if f"FAIRCLIMB_{name.upper()}" in env
                   else str(path) if name in in_file else "default")
            for name in Settings.model_fields}
