"""Data owners: who supplied each input file, and so whose key pseudonymises its people.

A council's files lie under a folder named by its ONS code, one of the councils of
``[geography] councils`` (``E08000034/missing_episodes.csv``). Every other file belongs
to the deployment, ``[geography] la_code``: the police force in a force-wide deployment
(its offences, places and disruption actions), the council itself in a single-council
one, whose files then all have one owner and one key.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from contextmap import settings
from pipelines.ingest.errors import IngestError
from pipelines.ingest.files import InputFile

# An ONS area code (E08000034): a folder named like one must name a council of the area.
ONS_CODE = re.compile(r"[EWSN]\d{8}")


@dataclass(frozen=True)
class Owners:
    """The data owners a deployment knows: its councils and itself, code → name."""

    deployment: str
    names: dict[str, str]
    councils_file: Path

    @classmethod
    def configured(cls) -> Owners:
        """The owners of the configured area (``[geography]`` la_code, name and councils)."""
        geo = settings.current().geography
        with open(geo.councils, newline="", encoding="utf-8-sig") as fh:
            names = {r["council_code"].strip(): r["council_name"].strip() for r in csv.DictReader(fh)}
        return cls(geo.la_code, {**names, geo.la_code: names.get(geo.la_code, geo.name)}, geo.councils)

    def label(self, code: str) -> str:
        """``Calderdale (E08000033)``."""
        return f"{self.names.get(code, 'unknown')} ({code})"

    def assign(self, files: list[InputFile]) -> list[InputFile]:
        """Set each file's ``owner``: the council of the innermost of its folders named by an ONS
        code, else the deployment. Raises :class:`IngestError` naming a folder named by a code
        that is not one of the area's councils."""
        for f in files:
            f.owner = self._of(f)
        return files

    def _of(self, f: InputFile) -> str:
        codes = [folder for folder in f.folders if ONS_CODE.fullmatch(folder)]
        if not codes:
            return self.deployment
        if codes[-1] not in self.names:
            raise IngestError(
                f"{f.name}: the folder {codes[-1]} is named like an ONS council code, but {codes[-1]} is not one of "
                f"the councils of {settings.current().geography.name} ({self.councils_file.name}, "
                "[geography] councils). Name each council's folder by its own code, or build with that council's "
                "settings (CONTEXTMAP_SETTINGS)."
            )
        return codes[-1]
