"""Reading a stranger's file, knowing nothing of the store.

:mod:`~oversight.extracts.opening` is the front door (``open_extract``: one regular file, read as
CSV or XLSX); :mod:`~oversight.extracts.limits` holds the limits and types every reader shares;
:mod:`~oversight.extracts.street_files` reads data.police.uk's street-level files.
"""
