"""The migrations, in order: each runs once, when a store older than it is opened (see
:mod:`oversight.schema`), and never changes once released (a later one adds what a newer
oversight needs). Written with sqlite-utils, which :func:`oversight.schema.upgrade` hands in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from oversight.migrations import first_release, versions_kept
from oversight.migrations.versioned import VERSIONED, versions_table

if TYPE_CHECKING:
    from sqlite_utils import Database

__all__ = ["MIGRATIONS", "VERSIONED", "versions_table"]

MIGRATIONS: list[Callable[[Database], None]] = [
    *first_release.MIGRATIONS,
    *versions_kept.MIGRATIONS,
]
