"""Target 9: building a Home tab (the ``/oversight home`` answer, its Block Kit view and the JSON
Slack is sent) on the store of target 1, beside ``/backlog`` alone in the same process."""

from __future__ import annotations

import json
import statistics
import time
from datetime import datetime
from pathlib import Path

from bench.targets import ANSWER_SETTINGS, AS_OF, Log

HOME_MS_TARGET = 300.0  # a tenth of Slack's 3 seconds


def home_view(db: Path, runs: int, warmup: int, log: Log) -> dict[str, object]:
    from oversight.answers import answer, parse_command
    from oversight.clock import LONDON
    from oversight.render.overview import render_home
    from oversight.store import open_store

    now = datetime.fromisoformat(f"{AS_OF}T18:00").replace(tzinfo=LONDON)

    def build(store: object) -> tuple[int, int]:
        """The view's blocks and the bytes of the JSON Slack is sent."""
        view = {"type": "home", "blocks": render_home(answer(store, home, now, ANSWER_SETTINGS))[1]}
        return len(view["blocks"]), len(json.dumps(view))

    home, backlog = parse_command("/oversight home"), parse_command("/backlog")
    times: dict[str, list[float]] = {"home": [], "backlog": []}
    with open_store(db) as store:
        blocks, size = build(store)
        for _ in range(warmup):
            build(store)
        for _ in range(runs):  # alternating, so that both see the same machine
            start = time.perf_counter()
            build(store)
            times["home"].append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            answer(store, backlog, now, ANSWER_SETTINGS)
            times["backlog"].append((time.perf_counter() - start) * 1000)
    median = statistics.median(times["home"])
    backlog_median = statistics.median(times["backlog"])
    log(f"  Home tab built in {median:.1f} ms (median of {runs}); /backlog {backlog_median:.1f} ms")
    return {
        "runs": runs,
        "median_ms": round(median, 2),
        "max_ms": round(max(times["home"]), 2),
        "backlog_median_ms": round(backlog_median, 2),
        "ratio_to_backlog": round(median / backlog_median, 1),
        "blocks": blocks,
        "view_bytes": size,
        "target": f"median < {HOME_MS_TARGET:g} ms",
        "met": median < HOME_MS_TARGET,
    }
