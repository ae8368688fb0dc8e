"""The ``crmkit`` command's configuration: flags, then environment, then a TOML file.

Each setting is looked up in that order and the first one set wins:

1. the command-line flag (``--database-url``, ``--sms-url``, ``--email-url``, ``--actor``);
2. the environment (``CRMKIT_DATABASE_URL``, ``CRMKIT_SMS_URL``, ``CRMKIT_EMAIL_URL``,
   ``CRMKIT_DOCUMENTS_URL``, ``CRMKIT_TIMEZONE``, ``CRMKIT_ACTOR``);
3. the TOML file given with ``--config``, else ``crmkit.toml`` in the working directory
   when there is one (top-level keys ``database_url``, ``sms_url``, ``email_url``,
   ``documents_url``, ``timezone``, ``actor``).

URLs may hold passwords and API keys: print them only through :meth:`Config.shown`.
"""

from __future__ import annotations

import argparse
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from crmkit.adapters.urls import mask_password
from crmkit.bootstrap import Crm, connect
from crmkit.cli.output import Output
from crmkit.domain.errors import ValidationError

__all__ = ["DEFAULT_FILE", "KEYS", "Config", "add_parser", "load_config", "open_crm", "run"]

KEYS: tuple[str, ...] = ("database_url", "sms_url", "email_url", "documents_url", "timezone", "actor")
"""The settings, by their TOML key; the environment variable is ``CRMKIT_`` + the key in capitals."""

DEFAULT_FILE = "crmkit.toml"
"""The file read when ``--config`` is not given and it exists in the working directory."""


@attrs.frozen
class Config:
    """The resolved settings and where each came from.

    Attributes:
        values: setting → value, for the settings that are set.
        origins: setting → ``flag``, ``env`` or the TOML file's path.
    """

    values: Mapping[str, str]
    origins: Mapping[str, str]

    def get(self, key: str, default: str | None = None) -> str | None:
        """The value of ``key``, or ``default`` when it is set nowhere."""
        return self.values.get(key, default)

    def require(self, key: str) -> str:
        """The value of ``key``.

        Raises:
            ValidationError: on ``key`` when it is set nowhere (naming the flag and variable).
        """
        value = self.values.get(key)
        if value is None:
            flag = "--" + key.replace("_", "-")
            raise ValidationError(
                key, f"not set: pass {flag}, set CRMKIT_{key.upper()} or put it in crmkit.toml"
            )
        return value

    def shown(self) -> dict[str, str]:
        """The settings fit to print: passwords and keys in URLs masked."""
        return {
            key: mask_password(value) if key.endswith("_url") else value for key, value in self.values.items()
        }


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except OSError as exc:
        raise ValidationError("config", f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError("config", f"{path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ValidationError("config", f"{path}: unknown keys {unknown}; known: {list(KEYS)}")
    for key, value in data.items():
        if not isinstance(value, str):
            raise ValidationError("config", f"{path}: {key} must be a string")
    return data


def load_config(
    flags: Mapping[str, str | None], *, file: str | None, environ: Mapping[str, str] | None = None
) -> Config:
    """Resolve every setting: ``flags`` first, then ``environ``, then the TOML file.

    Args:
        flags: setting → value given on the command line (``None`` when not given).
        file: the ``--config`` path, or ``None`` for ``crmkit.toml`` when it exists.
        environ: the environment (default ``os.environ``).

    Raises:
        ValidationError: on ``config`` when the file cannot be read, is not TOML, or
            holds unknown keys or values that are not strings.
    """
    environ = os.environ if environ is None else environ
    path = Path(file) if file is not None else Path(DEFAULT_FILE)
    from_file = _read_toml(path) if file is not None or path.is_file() else {}
    values: dict[str, str] = {}
    origins: dict[str, str] = {}
    for key in KEYS:
        for origin, source in (("flag", flags), ("env", {key: environ.get(f"CRMKIT_{key.upper()}")})):
            value = source.get(key)
            if value is not None:
                values[key], origins[key] = value, origin
                break
        else:
            if key in from_file:
                values[key], origins[key] = from_file[key], str(path)
    return Config(values, origins)


def open_crm(config: Config, url: str | None = None) -> Crm:
    """Connect to the storage at ``url`` (default: the ``database_url`` setting) with the configured adapters.

    Raises:
        ValidationError: on ``database_url`` when no URL is given or configured.
        UnknownAdapter: a URL's scheme is not registered.
        StorageUnavailable: the database cannot be reached.
    """
    return connect(
        url if url is not None else config.require("database_url"),
        sms=config.get("sms_url", "console://") or "console://",
        email=config.get("email_url", "console://") or "console://",
        documents=config.get("documents_url"),
        timezone=config.get("timezone"),
    )


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``config`` (print the resolved settings, secrets masked) to the command's subparsers."""
    config = sub.add_parser("config", help="print the settings in force and where each came from")
    config.set_defaults(run=run)


def run(args: argparse.Namespace, config: Config, out: Output) -> int:
    """Print every setting that is set, with its origin; passwords and keys in URLs as ``***``."""
    shown = config.shown()
    rows = [(key, shown[key], config.origins[key]) for key in KEYS if key in shown]
    if out.as_json:
        out.json({key: {"value": value, "from": origin} for key, value, origin in rows})
    else:
        out.table("settings (flag > environment > file)", ("setting", "value", "from"), rows)
    return 0
