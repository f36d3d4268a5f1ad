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

__all__ = ["Settings", "load_settings"]

DEFAULT_CONFIG_FILE = "fairclimb.toml"


class Settings(BaseSettings):
    """Every setting fairclimb reads, with its default and meaning."""

    model_config = SettingsConfigDict(env_prefix="FAIRCLIMB_", extra="forbid")

    db: str = Field(
        default="sqlite:///fairclimb.db",
        description="SQLAlchemy URL of the store (a bare path means a SQLite file).",
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
    return Path(os.environ.get("FAIRCLIMB_CONFIG", DEFAULT_CONFIG_FILE))


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
