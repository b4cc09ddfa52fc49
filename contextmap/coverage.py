"""What the data cover: the month the dashboard opens on, partial months, fair comparisons.

Read from ``mart_coverage`` (built by ``pipelines/coverage.py``). Rules, stated on screen:

- **Opening month**: the latest complete month with missing episodes; without episodes,
  the latest complete month of any data; with no complete month, the latest month.
- A month is **partial** when the data stop before its last day.
- A **comparison** needs data on both sides: the earlier period must lie wholly within
  the months the source covers, and the current period must be complete. Otherwise the
  figure says why ("no earlier data") instead of counting months before the data as zero.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from contextmap.fmt import first_of_month, month_label

# Sources in mart_coverage: episodes (and their RHIs), RHI records, offences involving young people, all events.
SOURCES = ("episodes", "rhis", "offences", "all")
NOUNS = {"episodes": "missing episode", "rhis": "return home interview", "offences": "offence"}


@dataclass(frozen=True)
class Span:
    """The months one source covers (None when it has no records)."""

    records: int = 0
    first: date | None = None
    last: date | None = None


def _month(value) -> date | None:
    return None if value is None or pd.isna(value) else first_of_month(value)


def _last_day(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


@dataclass(frozen=True)
class Coverage:
    """The months each source covers and the date the data run to."""

    spans: dict[str, Span] = field(default_factory=dict)
    data_end: date | None = None

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Coverage:
        """From the ``coverage`` query (one row per source)."""
        spans = {row.source: Span(int(row.records), _month(row.first_month), _month(row.last_month))
                 for row in frame.itertuples()}
        ends = frame["data_end"].dropna()
        return cls(spans, pd.Timestamp(ends.iloc[0]).date() if len(ends) else None)

    def span(self, source: str) -> Span:
        return self.spans.get(source, Span())

    @property
    def first(self) -> date | None:
        """The first month of any data (the period picker starts here)."""
        firsts = [s.first for s in self.spans.values() if s.first]
        return min(firsts) if firsts else None

    @property
    def last(self) -> date | None:
        """The last month of any data, complete or not (the period picker ends here)."""
        lasts = [s.last for s in self.spans.values() if s.last]
        return max(lasts) if lasts else None

    def is_partial(self, month: date) -> bool:
        """Whether the data stop before the end of ``month``."""
        return self.data_end is None or _last_day(month) > self.data_end

    def _last_complete(self, source: str) -> date | None:
        # Every record is dated on or before data_end, so only a source's last month can be partial.
        span = self.span(source)
        if span.last is None or not self.is_partial(span.last):
            return span.last
        before = first_of_month(pd.Timestamp(span.last) - pd.DateOffset(months=1))
        return before if before >= span.first else None

    def opening_month(self) -> date | None:
        """The latest complete month with episodes, else of any data, else the latest month."""
        return self._last_complete("episodes") or self._last_complete("all") or self.last

    def opening_rule(self) -> str:
        """The opening rule in words, with the month it chose."""
        month = self.opening_month()
        text = "The dashboard opens on the latest complete month with missing episodes"
        return text + (f" ({month_label(month)})." if month else ".")

    def partial_note(self, month: date) -> str | None:
        """Why figures for a period ending in ``month`` are incomplete, or None when it is complete."""
        if not self.is_partial(month):
            return None
        end = f"{self.data_end:%-d %B %Y}" if self.data_end else "no date"
        return f"{month_label(month)} is not complete: the data run to {end}."

    def start_note(self, month_from: date) -> str | None:
        """A note when the period starts before the data do, or None."""
        if self.first is None or month_from >= self.first:
            return None
        return f"The data start in {month_label(self.first)}: this period holds fewer months of data than its length."

    def gap(self, source: str, now: tuple[date, date], earlier: tuple[date, date]) -> str | None:
        """Why the period ``now`` cannot be compared with ``earlier`` for ``source``, or None if it can.

        Both are ``(month_from, month_to)``. The earlier period must start on or after the
        source's first month, and ``now`` must be complete.
        """
        span = self.span(source)
        if span.records == 0:
            return f"no {NOUNS.get(source, source)} data"
        if self.is_partial(now[1]):
            return "the month is not complete"
        if earlier[0] < span.first:
            return "no earlier data"
        return None
