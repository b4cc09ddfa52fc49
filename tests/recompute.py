"""The Overview's headline figures worked out again in plain Python from the input CSV files.

Independent of the product: no SQL, no pandas, no ContextMap code. It reads the contract
files with the csv module, parses the contract's variants itself (ISO and UK day-first
dates, flags and codes in any case) and applies the definitions of docs/methods.md
("Headline figures", "Return home interviews") and the opening-month rule. Only the
whole area (all localities, no other filter) is recomputed.
"""

from __future__ import annotations

import calendar
import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

FLAGS = {"y": True, "yes": True, "true": True, "t": True, "1": True,
         "n": False, "no": False, "false": False, "f": False, "0": False}
WEAPONS = {"KNIFE", "FIREARM", "OTHER"}
_ISO = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?)?Z?$")
_UK = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def parse_when(text: str) -> tuple[datetime, bool] | None:
    """A contract date or date-time, and whether it gave only a month ("2024-03")."""
    text = (text or "").strip()
    if not text:
        return None
    if m := _ISO.match(text):
        y, mo, d, h, mi, s = (int(v) if v else None for v in m.groups())
        return datetime(y, mo, d or 1, h or 0, mi or 0, s or 0), d is None
    if m := _UK.match(text):
        d, mo, y, h, mi, s = (int(v) if v else 0 for v in m.groups())
        return datetime(y, mo, d, h, mi, s), False
    raise ValueError(f"unreadable date {text!r}")


def _when(text: str) -> datetime | None:
    parsed = parse_when(text)
    return parsed[0] if parsed else None


def _code(text: str) -> str:
    return re.sub(r"[\s-]+", "_", (text or "").strip()).upper()


def _rows(folder: Path, name: str) -> list[dict]:
    with open(folder / f"{name}.csv", newline="", encoding="utf-8-sig") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def _month(when: datetime) -> date:
    return date(when.year, when.month, 1)


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class Inputs:
    """The input files, parsed once."""

    episodes: list[dict]
    offers: dict[str, datetime]      # episode id → earliest RHI offer
    completed: set[str]              # episode ids with an RHI whose outcome is COMPLETED
    offences: dict[str, dict]        # offence id → month, and whether any line is SV / has a weapon
    data_end: date

    @classmethod
    def read(cls, folder: Path) -> Inputs:
        episodes = []
        for row in _rows(folder, "missing_episodes"):
            episodes.append({"id": row["episode_id"], "person": row["person_id"], "start": _when(row["start_datetime"]),
                             "end": _when(row["end_datetime"]), "looked_after": FLAGS.get(row["looked_after"].lower())})
        offers, completed, record_dates = {}, set(), []
        for e in episodes:
            record_dates += [e["start"].date()] + ([e["end"].date()] if e["end"] else [])
        for row in _rows(folder, "return_home_interviews"):
            offered, done = _when(row["offered_datetime"]), _when(row["completed_datetime"])
            record_dates += [d.date() for d in (offered, done) if d]
            if offered and (row["episode_id"] not in offers or offered < offers[row["episode_id"]]):
                offers[row["episode_id"]] = offered
            if _code(row["outcome"]) == "COMPLETED":
                completed.add(row["episode_id"])
        offences: dict[str, dict] = {}
        for row in _rows(folder, "offences"):
            when, month_only = parse_when(row["offence_datetime"])
            record_dates.append(_month_end(_month(when)) if month_only else when.date())
            if not row["person_id"]:
                continue  # only offences with a young person recorded are counted
            o = offences.setdefault(row["offence_id"], {"month": _month(when), "sv": False, "weapon": False})
            o["sv"] |= FLAGS.get(row["serious_violence"].lower(), False)
            o["weapon"] |= _code(row["weapon"]) in WEAPONS
        return cls(episodes, offers, completed, offences, max(record_dates))

    def opening_month(self) -> date:
        """The latest month with an episode that the data run to the end of."""
        months = sorted({_month(e["start"]) for e in self.episodes})
        return next(m for m in reversed(months) if _month_end(m) <= self.data_end)

    def headline(self, month_from: date, month_to: date) -> dict[str, float]:
        """The headline figures for the whole area over the months ``month_from``..``month_to``."""
        inside = [e for e in self.episodes if month_from <= _month(e["start"]) <= month_to]
        by_child = defaultdict(list)
        for e in self.episodes:
            by_child[e["person"]].append(e["start"])
        repeat = {e["person"] for e in inside
                  if sum(e["start"] - timedelta(days=90) <= s <= e["start"] for s in by_child[e["person"]]) >= 3}
        ended = [e for e in inside if e["end"]]
        # An offer before the return counts as made at the return.
        in_72h = [e for e in ended if e["id"] in self.offers
                  and max(self.offers[e["id"]] - e["end"], timedelta(0)) <= timedelta(hours=72)]
        offences = [o for o in self.offences.values() if month_from <= o["month"] <= month_to]
        return {
            "episodes": len(inside),
            "children": len({e["person"] for e in inside}),
            "repeat_children": len(repeat),
            "looked_after_share": sum(bool(e["looked_after"]) for e in inside) / len(inside),
            "rhi_72h_share": len(in_72h) / len(ended),
            "rhi_completed_share": sum(e["id"] in self.completed for e in ended) / len(ended),
            "offences": len(offences),
            "serious_violence": sum(o["sv"] for o in offences),
            "weapon_offences": sum(o["weapon"] for o in offences),
        }


def period_window(month: date, period: str) -> tuple[date, date]:
    """The first and last month of the month, calendar quarter or April-March year holding
    ``month`` (written out here, not taken from ``contextmap.filters``)."""
    if period == "month":
        return month, month
    if period == "quarter":
        first = date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)
        return first, _add_months(first, 2)
    first = date(month.year - (month.month < 4), 4, 1)
    return first, _add_months(first, 11)
