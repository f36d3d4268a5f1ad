"""One settings object, layered: defaults → config file → environment → CLI flags.

Only the edges (the CLI, the web app) build a :class:`Settings`; parts receive the
values they need as arguments and never read the environment themselves.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from fairclimb.errors import UserInputError
from fairclimb.executor import Executor

__all__ = ["STORE_FILE", "Settings", "default_store_path", "find_project", "load_settings"]

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
        description="Sandbox workers for execution (default: the number of cores).",
    )
    timeout: float = Field(
        default=5.0, gt=0, description="Wall-clock seconds allowed for one sample."
    )
    memory_mb: int = Field(default=1024, ge=64, description="Address-space limit of a sample.")
    sandbox: str = Field(
        default="auto",
        description="Sandbox backend: auto (bubblewrap when present), bwrap or rlimits.",
    )
    node: str = Field(
        default="node",
        description="Node.js executable for JavaScript tasks: a path or a name on PATH.",
    )
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
