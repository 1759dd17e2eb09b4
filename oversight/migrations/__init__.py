"""The migrations, in order: each runs once, when a store older than it is opened (see
:mod:`oversight.schema`), and never changes once released (a later one adds what a newer
oversight needs). Written with sqlite-utils, which :func:`oversight.schema.upgrade` hands in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from oversight.migrations.first_release import (
    _v1_tables,
    _v2_case_daily,
    _v3_drop_case_indexes,
    _v4_digest_ledger,
    _v5_reconciliation,
    _v6_recorded_crime,
    _v7_home_tabs,
    _v8_crime_gap_runs,
)
from oversight.migrations.versioned import VERSIONED, versions_table
from oversight.migrations.versions_kept import (
    _v9_vintages,
    _v10_street_places,
    _v11_vintage_snapshots,
    _v12_requests_and_risk,
    _v13_violence_profile,
)

if TYPE_CHECKING:
    from sqlite_utils import Database

__all__ = ["MIGRATIONS", "VERSIONED", "versions_table"]

MIGRATIONS: list[Callable[[Database], None]] = [
    _v1_tables,
    _v2_case_daily,
    _v3_drop_case_indexes,
    _v4_digest_ledger,
    _v5_reconciliation,
    _v6_recorded_crime,
    _v7_home_tabs,
    _v8_crime_gap_runs,
    _v9_vintages,
    _v10_street_places,
    _v11_vintage_snapshots,
    _v12_requests_and_risk,
    _v13_violence_profile,
]
