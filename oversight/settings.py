"""Settings, read once from the environment and an optional ``.env`` file.

The environment wins over ``.env``. Every setting is listed, with a comment, in ``.env.example``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from oversight.clock import Clock
from oversight.errors import UserError


@dataclass(frozen=True)
class Settings:
    db_path: Path
    clock: Clock
    stale_after_days: int = 8


def read_env_file(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    from dotenv import dotenv_values  # only paid for when there is a .env

    try:
        values = dotenv_values(path)
    except UnicodeDecodeError:
        raise UserError(f"{path} is not UTF-8 text: save it as UTF-8.") from None
    except OSError as error:
        raise UserError(f"{path} cannot be read: {error.strerror}.") from None
    return {k: v for k, v in values.items() if v is not None}


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    env = dict(read_env_file(env_file)) if env_file is not None else {}
    env.update(os.environ if environ is None else environ)
    return Settings(
        db_path=Path(env.get("OVERSIGHT_DB") or "oversight.db").expanduser(),
        clock=_clock(env.get("OVERSIGHT_NOW", "")),
        stale_after_days=_positive_int(env, "STALE_AFTER_DAYS", 8),
    )


def _clock(text: str) -> Clock:
    if not text.strip():
        return Clock()
    try:
        return Clock.parse(text)
    except ValueError:
        raise UserError(
            f"OVERSIGHT_NOW must be an ISO date or date-time such as 2020-06-30T09:00, "
            f'not "{text}".'
        ) from None


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise UserError(f'{name} must be a whole number of days, 1 or more, not "{text}".')
    return int(text)
