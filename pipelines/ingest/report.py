"""The ingest report: one line per file, rejects by reason, and what was ignored."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.ingest.load import FileResult


@dataclass
class Summary:
    """Everything ingest found; ``report()`` is what build and validate print."""

    files: list[FileResult]
    reasons: list[tuple[str, str, int, str]] = field(default_factory=list)  # (file, reason, rows, examples)

    @property
    def errors(self) -> list[str]:
        return [f.error for f in self.files if f.error]

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files if not f.error)

    @property
    def ok(self) -> bool:
        """True when every file could be read and no row was rejected."""
        return not self.errors and self.rows_rejected == 0

    def report(self) -> str:
        """Plain-English report: per file read/accepted/rejected, reasons, file errors."""
        loaded = [f for f in self.files if not f.error]
        lines = [f"Files checked: {len(self.files)}"]
        for f in loaded:
            balance = "OK" if f.rows_accepted + f.rows_rejected == f.rows_read else "MISMATCH"
            lines.append(f"  {f.name} [{f.table}, {f.file_format}]: {f.rows_read:,} rows read = "
                         f"{f.rows_accepted:,} accepted + {f.rows_rejected:,} rejected ({balance})")
            if f.first_date:
                lines.append(f"      dates {f.first_date:%d/%m/%Y} to {f.last_date:%d/%m/%Y}")
            if f.unresolved_postcodes:
                lines.append(f"      {f.unresolved_postcodes:,} postcodes not resolved to an area")
            for note in f.notes:
                lines.append(f"      note: {note}")
        if loaded:
            read = sum(f.rows_read for f in loaded)
            acc = sum(f.rows_accepted for f in loaded)
            lines.append(f"Total: {read:,} rows read = {acc:,} accepted + {self.rows_rejected:,} rejected")
        if self.reasons:
            lines.append("Rejected rows by reason:")
            for name, reason, rows, examples in self.reasons:
                lines.append(f"  {name}: {reason}: {rows:,} rows (e.g. {examples})")
        if self.errors:
            lines.append("Files that could not be used:")
            lines += [f"  {e}" for e in self.errors]
        return "\n".join(lines)
