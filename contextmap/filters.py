"""The global filters every page shares, and their round trip through the URL."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date

from dateutil.relativedelta import relativedelta

from contextmap.fmt import first_of_month, period_label
from contextmap.labels import SEXES, SOURCES

AGE_BANDS = ("Under 10", "10-13", "14-15", "16-17", "18+", "Unknown")
LOOKED_AFTER = ("All", "Looked after", "Not looked after")
PERIODS = {"month": "Month", "quarter": "Quarter", "year": "Year"}
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}
# Periods nest and never overlap: calendar quarters inside years that start in April (the
# financial year councils and police report on). Overlapping periods (the quarter or 12
# months ending at any month) let one reader pin a hidden month exactly: a "c" year over
# five "c" months makes each of them 1 (docs/methods.md, "Periods that nest").
YEAR_START = 4
# Sources, age bands and sexes are chosen one at a time or all together, never as other
# subsets: every subset would be one more view to subtract from another, and averaging
# such differences wears away the cell-key noise (docs/methods.md, "Disclosure control").
ALL = "All"
# The scope of the whole build (a single council, or the force): every record counts, as in
# the macro cm_in_scope (sql/dashboard_macros.sql).
WHOLE = ALL
# Who is counted, by breakdown: at most MAX_NARROWED of them are narrowed at once (a
# filter and a Trends split, or two filters). Read together, every month's cards over every
# combination of locality, looked-after status, age band and sex pinned hidden counts
# exactly (Calderdale's looked-after 16-17-year-olds of one locality in May 2024 at 1); two
# at a time pin none (tests/test_breakdowns.py, docs/methods.md "Two breakdowns at a time").
BREAKDOWNS = ("locality", "looked_after", "age_bands", "sexes")
MAX_NARROWED = 2
TWO_AT_A_TIME = ("Two of locality, age band, sex and looked-after status can be chosen at a time (a Trends split "
                 "counts as one): more together would let hidden counts be worked out. Set one back to All to "
                 "choose another.")
# The URL query parameters the filters own (pages may add their own, e.g. ``place``).
FILTER_KEYS = ("month", "period", "locality", "looked_after", "sources", "age_bands", "sexes")
# The sources that are records of missing episodes (the rest are offences).
MISSING_SOURCES = ("missing_from", "missing_found", "rhi_mention")
# Filters that narrow who or what is counted, in words (the period is stated with each figure).
NARROWING = {"locality": "locality", "sources": "Sources", "age_bands": "age band", "sexes": "sex",
             "looked_after": "looked-after status"}


def period_start(month: date, period: str) -> date:
    """First month of the month, quarter or year (April to March) that holds ``month``."""
    if period == "month":
        return month
    if period == "quarter":
        return date(month.year, (month.month - 1) // 3 * 3 + 1, 1)
    return date(month.year if month.month >= YEAR_START else month.year - 1, YEAR_START, 1)


def period_end(month: date, period: str) -> date:
    """Last month of the month, quarter or year that holds ``month``."""
    return period_start(month, period) + relativedelta(months=PERIOD_MONTHS[period] - 1)


@dataclass(frozen=True)
class Filters:
    """What the user has chosen: the month, quarter or year holding ``month``, a locality
    and breakdowns. A period still running when the data end (``data_end``) ends there."""

    month: date
    period: str = "month"
    locality: str = "All"
    sources: tuple[str, ...] = tuple(SOURCES)
    age_bands: tuple[str, ...] = AGE_BANDS
    sexes: tuple[str, ...] = tuple(SEXES)
    looked_after: str = "All"
    # Whose records are counted: the signed-in user's scope (contextmap.auth.scope_param),
    # set at sign-in and never read from or written to the URL, so a link cannot widen it.
    scope: str = ALL
    data_end: date | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def month_from(self) -> date:
        return period_start(self.month, self.period)

    @property
    def month_to(self) -> date:
        end = period_end(self.month, self.period)
        return min(end, self.data_end) if self.data_end else end

    @property
    def to_date(self) -> bool:
        """Whether the period is still running at the data's end (so it holds fewer months)."""
        return self.month_to < period_end(self.month, self.period)

    @property
    def label(self) -> str:
        """The period in words: "October 2026", "July 2026 to September 2026", or
        "April 2026 to October 2026 (year so far)"."""
        text = period_label(self.month_from, self.month_to)
        return f"{text} ({self.period} so far)" if self.to_date else text

    def parts(self) -> list[Filters]:
        """The months of a quarter or the quarters of a year (none for a month)."""
        if self.period == "month":
            return []
        kind = "month" if self.period == "quarter" else "quarter"
        out, month = [], self.month_from
        while month <= self.month_to:
            out.append(replace(self, month=month, period=kind))
            month = period_end(month, kind) + relativedelta(months=1)
        return out

    def narrowed(self) -> tuple[str, ...]:
        """The breakdowns (:data:`BREAKDOWNS`) narrowed from all."""
        return tuple(name for name in BREAKDOWNS if getattr(self, name) != getattr(Filters(self.month), name))

    def within_limit(self) -> Filters:
        """These filters with breakdowns beyond the first :data:`MAX_NARROWED` narrowed set back to all."""
        extra = self.narrowed()[MAX_NARROWED:]
        return replace(self, **{name: getattr(Filters(self.month), name) for name in extra}) if extra else self

    def shifted(self, months: int) -> Filters:
        """The same filters for a period ``months`` earlier (negative) or later."""
        return replace(self, month=self.month + relativedelta(months=months))

    def previous(self) -> Filters:
        """The whole period of the same kind just before this one."""
        return replace(self, month=self.month_from - relativedelta(months=1))

    def last_year(self) -> Filters:
        """The same period a year earlier (whole)."""
        return self.shifted(-12)

    def year_window(self) -> Filters:
        """The year (April to March) holding the chosen month: the window of place tables
        and markers, postcode tension and the pack's disruption actions.

        One place in one month or quarter is nearly always 0 to 5 events, shown only as "c";
        a year gives figures people can read (each table states the window).
        """
        return replace(self, period="year")

    def year_window_text(self, start: bool = False) -> str:
        """:meth:`year_window` in words: "the year April 2025 to March 2026" ("The ..." to
        ``start`` a sentence or a label; ``str.capitalize`` would lower-case the month)."""
        return f"{'T' if start else 't'}he year {self.year_window().label}"

    def params(self) -> dict:
        """Bound parameters for the SQL in ``sql/queries`` (names match ``$name`` there)."""
        return {
            "month_from": self.month_from,
            "month_to": self.month_to,
            # The whole period before, for changes; none while the period is still running
            # (it holds fewer months than a whole one).
            "prev_from": None if self.to_date else self.previous().month_from,
            "prev_to": None if self.to_date else self.previous().month_to,
            "locality": self.locality,
            "sources": list(self.sources),
            "age_bands": list(self.age_bands),
            "sexes": list(self.sexes),
            "looked_after": self.looked_after,
            "scope": self.scope,
        }

    def to_query(self) -> dict[str, str]:
        """The filters as URL query parameters (only what differs from the defaults)."""
        out = {"month": self.month.strftime("%Y-%m"), "period": self.period}
        defaults = Filters(self.month)
        for name in ("locality", "looked_after"):  # never the scope: it comes from sign-in
            if getattr(self, name) != getattr(defaults, name):
                out[name] = getattr(self, name)
        for name in ("sources", "age_bands", "sexes"):
            if getattr(self, name) != getattr(defaults, name):
                out[name] = ",".join(getattr(self, name))
        return out

    @classmethod
    def from_query(cls, query: dict, latest: date, earliest: date, localities: list[str],
                   default: date | None = None, scope: str = ALL) -> Filters:
        """Read filters from URL parameters, ignoring anything invalid (a shared link may be old)
        and breakdowns beyond :data:`MAX_NARROWED`.

        Without a month in the URL, the month is ``default`` (the opening month; else ``latest``).
        ``scope`` is the signed-in user's (never the URL's). A period ends at ``latest`` at the
        latest (``data_end``).
        """

        def pick(name, allowed, default):
            # One value or all: a link naming several (from an older version) shows all.
            values = tuple(v for v in str(query.get(name, "")).split(",") if v in allowed)
            return values if len(values) == 1 else default

        try:
            month = first_of_month(date.fromisoformat(str(query.get("month")) + "-01"))
        except ValueError:
            month = default or latest
        month = min(max(month, earliest), latest)
        period = query.get("period") if query.get("period") in PERIODS else "month"
        locality = query.get("locality") if query.get("locality") in localities else "All"
        looked_after = query.get("looked_after") if query.get("looked_after") in LOOKED_AFTER else "All"
        return cls(
            month=month,
            period=period,
            locality=locality,
            sources=pick("sources", SOURCES, tuple(SOURCES)),
            age_bands=pick("age_bands", AGE_BANDS, AGE_BANDS),
            sexes=pick("sexes", SEXES, tuple(SEXES)),
            looked_after=looked_after,
            scope=scope,
            data_end=latest,
        ).within_limit()

    def ignored(self, follows, why: str) -> str | None:
        """A note naming the filters narrowed from their defaults that a figure does not
        follow (it follows ``follows``), e.g. "Not narrowed by age band or sex: places count
        events, not the children involved."; None when it follows every filter in use."""
        defaults = Filters(self.month)
        names = [label for name, label in NARROWING.items()
                 if name not in follows and getattr(self, name) != getattr(defaults, name)]
        if not names:
            return None
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        return f"Not narrowed by {listed}: {why}."

    def as_dict(self) -> dict:
        """Plain values for the audit log."""
        data = asdict(self)
        data.pop("extra")
        data["month"] = self.month.isoformat()
        data["data_end"] = self.data_end.isoformat() if self.data_end else None
        return data
