"""What the inputs cover: months of data per source, where the data end, and build notes.

``mart_coverage`` has one row per source (missing episodes, RHI records, offences
involving young people, and all located events) with its first and last month and the
date the data run to: the latest date of any record (an episode starting or ending, an
RHI offered or completed, an offence). police.uk files hold whole months, so a police.uk
offence covers the whole of its month. ``contextmap.coverage`` turns this into the
opening month, partial months and which comparisons have data on both sides.

``build_notes`` says, in words, what a build could not compute and why (no places, no
offences, one month only, people of several data owners who cannot be linked): the build
log prints the notes and the Data quality page lists them, so an empty table on a page
is never a silent mystery.
"""

from __future__ import annotations

import duckdb

from contextmap.coverage import Coverage
from contextmap.fmt import month_label
from pipelines.ingest.owners import Owners

# Input tables, what is empty without them, and the words for both.
INPUTS = (
    ("stg_missing_episodes", "missing episodes",
     "episode, children, repeat-missing and RHI figures and every missing-from and found-at count are empty"),
    ("stg_return_home_interviews", "return home interviews",
     "RHI figures show no data (not 0%), and no place is counted as named in an RHI"),
    ("stg_offences", "offences", "offence figures, offence counts at places and areas and co-offending links are empty"),
    ("stg_places", "places of concern",
     "place rankings, place hot spots, near-repeat and place disruption reviews are empty"),
    ("stg_disruption_actions", "disruption actions", "the Disruption review page has nothing to review"),
)
# Months of data a comparison needs, and what it compares with.
NEEDS_MONTHS = ((2, "an earlier period"), (13, "the same period last year"))

COVERAGE_SQL = """
    with record_dates as (
        select started_at::date as d from stg_missing_episodes
        union all select ended_at::date from stg_missing_episodes
        union all select offered_at::date from stg_return_home_interviews
        union all select completed_at::date from stg_return_home_interviews
        union all select case when source_system = 'police_uk' then last_day(offence_month) else offence_at::date end
        from stg_offences
    ),
    months as (
        select 'episodes' as source, date_trunc('month', started_at)::date as month, count(*) as records
        from stg_missing_episodes group by all
        union all
        -- An RHI belongs to the month its episode started, as in the RHI figures.
        select 'rhis', date_trunc('month', e.started_at)::date, count(*)
        from stg_return_home_interviews as r join stg_missing_episodes as e using (episode_key) group by all
        union all
        -- Offences involving young people: the ones the headline figures count.
        select 'offences', offence_month, count(distinct offence_key)
        from stg_offences where person_key is not null group by all
        union all
        select 'all', event_month, count(*) from int_events group by all
    )
    select s.source, coalesce(sum(m.records), 0)::bigint as records, min(m.month) as first_month,
           max(m.month) as last_month, (select max(d) from record_dates) as data_end
    from (select unnest(['episodes', 'rhis', 'offences', 'all']) as source) as s
    left join months as m using (source)
    group by s.source
    order by s.source
"""


def owner_notes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What pseudonymising each data owner's people with its own key leaves unlinked in this build.

    Nothing when one key covers every person (a single-council build): its episodes and
    offences link by pseudonym as they always have.
    """
    councils = [c for (c,) in con.sql("select distinct owner_code from stg_missing_episodes order by 1").fetchall()]
    police = [c for (c,) in con.execute(
        "select distinct owner_code from stg_offences where person_key is not null "
        "and not list_contains(?, owner_code) order by 1", [councils]).fetchall()]
    names = Owners.configured()
    out = []
    if len(councils) > 1:
        out.append(f"Missing episodes and interviews of {len(councils)} councils ({', '.join(map(names.label, councils))}), "
                   "each pseudonymised with the council's own key: children are linked across council borders only by "
                   "going missing together (time and place). A child of another council named in an interview stays "
                   "a named associate, not matched to that child, so may be counted twice.")
    if councils and police:
        out.append(f"Offence records are pseudonymised with {' and '.join(map(names.label, police))}'s own key, not the "
                   "councils': they link young people who offended together, never to a council's missing children. "
                   "So offenders' home districts are unknown (the postcode tension matrix is empty), so is whether "
                   "they are looked after (Unknown in the relative rate index of offences; not counted as looked after "
                   "in peer groups formed by offending together), and a child in both council and police records "
                   "counts once in each (in counts of people and of peer groups).")
    return out


def notes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Plain-English notes on what this build's inputs leave empty, cannot link or cannot compare."""
    out = []
    for table, noun, consequence in INPUTS:
        if con.sql(f"select count(*) from {table}").fetchall()[0][0] == 0:
            out.append(f"No {noun} in the inputs: {consequence}.")
    out += owner_notes(con)
    cov = Coverage.from_frame(con.sql("select * from mart_coverage").df())
    if cov.first is None:
        return out + ["No dated records in the inputs: every figure, map and trend is empty."]
    months = (cov.last.year - cov.first.year) * 12 + cov.last.month - cov.first.month + 1
    span = month_label(cov.first) if months == 1 else f"{month_label(cov.first)} to {month_label(cov.last)}"
    missing = [against for needed, against in NEEDS_MONTHS if months < needed]
    if missing:
        out.append(f"The data cover {months} month{'s' * (months != 1)} ({span}): no change on "
                   f"{' or on '.join(missing)} can be shown.")
    if cov.is_partial(cov.last):
        out.append(f"{cov.partial_note(cov.last)} {cov.opening_rule()}")
    return out


def build(con: duckdb.DuckDBPyConnection) -> str:
    """Create ``mart_coverage`` and ``build_notes``; return the notes for the build log."""
    con.execute("create or replace table mart_coverage as " + COVERAGE_SQL)
    found = notes(con)
    con.execute("create or replace table build_notes (note_order integer, note varchar)")
    if found:
        con.executemany("insert into build_notes values (?, ?)", list(enumerate(found, start=1)))
    return "".join(f"\n  note: {note}" for note in found)
