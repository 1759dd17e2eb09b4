"""What an import did: the same result whatever the kind and however its files were read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from oversight.figures.integrity import FindingCount


@dataclass
class ImportResult:
    import_id: int
    kind: str
    file_name: str
    sha256: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    not_in_file: int
    extract_as_of: date
    warnings: list[str] = field(default_factory=list)
    findings: list[FindingCount] = field(default_factory=list)  # by kind and workstream
    # Recorded crime: how many month files were read (inserted, updated and unchanged count
    # them, not rows); None for a kind whose counts are of rows.
    month_files: int | None = None

    @property
    def changed_nothing(self) -> bool:
        return self.inserted == 0 and self.updated == 0 and not self.findings
