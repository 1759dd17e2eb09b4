"""Importing: writing all of an extract or none of it.

:mod:`~oversight.importing.kinds` declares each kind of extract (its columns, key, rules, table
and importer) and :func:`~oversight.importing.kinds.import_extract` imports a file as one;
:mod:`~oversight.importing.tabular` validates and merges CSV/XLSX rows, by the row or by the
set (:mod:`~oversight.importing.bulk`); :mod:`~oversight.importing.reconcile` records what a
case extract lost; :mod:`~oversight.importing.crimes` keeps data.police.uk's street files as
counts.
"""
