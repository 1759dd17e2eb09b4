"""Benchmarks for the targets the README reports: ``make bench`` (``python -m bench``).

1. A validated import of 1M case rows through the real CLI, beside the sqlite3 shell's
   ``.import`` of the same CSV (target: within 3x).
2. The peak memory (max RSS) of importing 5M case rows (target: under 1 GiB).
3. ``/backlog`` on a 1M-row store: the in-process answer (target: median under 100 ms) and the
   whole ``oversight ask`` process.
4. ``oversight ask`` imports neither pandas nor sqlite_utils.

The extracts are generated deterministically under ``bench/out/`` (git-ignored) and reused.
"""
