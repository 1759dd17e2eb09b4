"""``oversight demo``: a demo database from synthetic records consistent with the published figures.

The records are invented. Their totals match what is on the public record: 35,107 domestic-abuse
incidents recorded July to October 2019, a little over a third needing an in-depth review, about
a quarter of those reviewed by the end of June 2020 (just over 10,000 outstanding), 96% of
reviewed cases compliant with the National Crime Recording Standard, the child-protection audit
complete, the July–September and October–December 2019 quarterly crime-data returns missing and
excluded from the national bulletin, and an annual data return due in April 2020.

Everything the demo builds is in this package: the case reviews, data returns and deadlines
(:mod:`~oversight.demo.cases`), the street-level crime files (:mod:`~oversight.demo.street`),
and the build and the run (:mod:`~oversight.demo.run`).
"""

from __future__ import annotations

from oversight.demo.cases import (
    AS_OF,
    DEMO_USER,
    DOMESTIC_ABUSE,
    JULY_REVIEWS,
    LATER,
    SYNTHETIC_NOTICE,
    UNDONE,
    VANISHED,
    write_extracts,
)
from oversight.demo.run import build_demo, check_demo_path, run_demo
from oversight.demo.street import (
    CITY_CENTRE,
    FORCE,
    LOW_MONTH,
    MISSING_MONTH,
    SILENT_MONTHS,
    street_files,
)

__all__ = [
    "AS_OF",
    "CITY_CENTRE",
    "DEMO_USER",
    "DOMESTIC_ABUSE",
    "FORCE",
    "JULY_REVIEWS",
    "LATER",
    "LOW_MONTH",
    "MISSING_MONTH",
    "SILENT_MONTHS",
    "SYNTHETIC_NOTICE",
    "UNDONE",
    "VANISHED",
    "build_demo",
    "check_demo_path",
    "run_demo",
    "street_files",
    "write_extracts",
]
