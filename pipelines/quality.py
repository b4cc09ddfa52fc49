"""Records that pass validation but are implausible: listed on the Data quality page.

Ingest rejects what cannot be right (an end before its start, a date in the future).
This step lists what is possible but unlikely, so someone checks it at source, with the
thresholds of ``[quality]`` in contextmap.toml. Each check says how the analyses treat
its records (docs/methods.md, "Implausible records"):

- a **long episode** (``long_episode_days`` or more) is kept everywhere;
- an **implausible episode** (``implausible_episode_days`` or more, almost always a wrong
  return date) still counts in the month it started, but its found-at event sits at the
  recorded return: every disruption action whose before or after window holds that event
  is named, and the Disruption review flags it;
- **still missing** (no return ``still_missing_days`` after going missing, before the data
  end) is outside every RHI percentage, as any episode with no return;
- a **late RHI** (offered ``late_rhi_days`` or more after the return) counts as offered late;
- an **RHI offered before the episode started** counts as offered at the return (0 hours),
  as every early offer does, though it probably belongs to another episode;
- **overlapping episodes** of one child (one starts before the previous one ended) both count.
"""

from __future__ import annotations

import dataclasses

import duckdb

from contextmap import settings

# check id → (label, how the analyses treat its records), in the order the page lists them.
CHECKS = {
    "implausible_episode": ("Episode lasted {implausible_episode_days} days or more (likely a wrong return date)",
                            "Counted in the month it started; its found-at event is dated at the recorded return, "
                            "so any disruption review whose windows hold it is flagged."),
    "long_episode": ("Episode lasted {long_episode_days} to {implausible_episode_days} days",
                     "Kept in every figure (long episodes happen): check the return date."),
    "still_missing": ("No return recorded {still_missing_days} days or more after going missing",
                      "Outside every RHI percentage, as a child still missing."),
    "late_rhi": ("RHI offered {late_rhi_days} days or more after the return",
                 "Counted as offered late (not within 72 hours)."),
    "rhi_before_missing": ("RHI offered before the episode started",
                           "Counted as offered at the return (0 hours), as every early offer; check it belongs to "
                           "this episode."),
    "overlapping_episodes": ("Episode starts before the same child's previous episode ended",
                             "Both episodes are counted."),
}


def thresholds() -> dict[str, int]:
    """The ``[quality]`` thresholds, in days."""
    return dataclasses.asdict(settings.current().quality)


def _records_sql(t: dict[str, int]) -> str:
    return f"""
        with episodes as (
            select episode_key, person_key, started_at, ended_at, source_file, source_row,
                   date_diff('minute', started_at, ended_at) / 1440.0 as days,
                   lag(ended_at) over (partition by person_key order by started_at, episode_key) as previous_end
            from stg_missing_episodes
        ),
        data_end as (select data_end from mart_coverage where source = 'all'),
        first_offer as (
            select episode_key, min(offered_at) as offered_at, arg_min(source_file, offered_at) as source_file,
                   arg_min(source_row, offered_at) as source_row
            from stg_return_home_interviews where offered_at is not null group by episode_key
        ),
        flagged as (
            select case when days >= {t['implausible_episode_days']} then 'implausible_episode' else 'long_episode' end
                       as check_id,
                   e.episode_key, e.source_file, e.source_row, e.started_at,
                   format('{{:.0f}} days', floor(days)) as detail
            from episodes as e where days >= {t['long_episode_days']}
            union all
            select 'still_missing', e.episode_key, e.source_file, e.source_row, e.started_at,
                   format('{{}} days to the end of the data', date_diff('day', e.started_at::date, d.data_end))
            from episodes as e, data_end as d
            where e.ended_at is null and date_diff('day', e.started_at::date, d.data_end) >= {t['still_missing_days']}
            union all
            select 'late_rhi', e.episode_key, o.source_file, o.source_row, e.started_at,
                   format('offered {{}} days after the return', date_diff('day', e.ended_at, o.offered_at))
            from episodes as e join first_offer as o using (episode_key)
            where date_diff('day', e.ended_at, o.offered_at) >= {t['late_rhi_days']}
            union all
            select 'rhi_before_missing', e.episode_key, o.source_file, o.source_row, e.started_at,
                   format('offered {{}} before going missing',
                          case when date_diff('hour', o.offered_at, e.started_at) < 48
                               then date_diff('hour', o.offered_at, e.started_at) || ' hours'
                               else date_diff('day', o.offered_at, e.started_at) || ' days' end)
            from episodes as e join first_offer as o using (episode_key)
            where o.offered_at < e.started_at
            union all
            select 'overlapping_episodes', e.episode_key, e.source_file, e.source_row, e.started_at,
                   format('starts {{}} hours before the previous episode ended',
                          date_diff('hour', e.started_at, e.previous_end))
            from episodes as e where e.started_at < e.previous_end
        ),
        -- Disruption actions whose before or after window holds the found-at event of an
        -- implausibly long episode (the windows exclude the action's own month, as the review does).
        actions as (
            select f.episode_key, list(distinct a.action_id order by a.action_id) as disruption_actions
            from flagged as f
            join int_events as ev on ev.event_id = 'found:' || f.episode_key
            join (select distinct action_id, target_level, target_code, before_start, action_month, after_end
                  from mart_disruption_effects) as a
              on ((a.target_level = 'place' and ev.place_id = a.target_code)
                  or (a.target_level = 'ward' and ev.ward_code = a.target_code)
                  or (a.target_level = 'lsoa' and ev.lsoa_code = a.target_code)
                  or (a.target_level = 'sector' and ev.sector = a.target_code))
             and ev.event_month >= a.before_start and ev.event_month <= a.after_end
             and ev.event_month <> a.action_month
            where f.check_id = 'implausible_episode'
            group by f.episode_key
        )
        select f.check_id, f.source_file, f.source_row, date_trunc('month', f.started_at)::date as month, f.detail,
               coalesce(a.disruption_actions, []::varchar[]) as disruption_actions
        from flagged as f left join actions as a using (episode_key)
        order by f.check_id, f.source_file, f.source_row
    """


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``mart_implausible`` (one row per record a check flags, with its check's label and treatment)."""
    t = thresholds()
    con.execute("create or replace temp table quality_checks (check_order integer, check_id varchar, "
                "check_label varchar, treatment varchar)")
    con.executemany("insert into quality_checks values (?, ?, ?, ?)",
                    [(i, check, label.format(**t), treatment)
                     for i, (check, (label, treatment)) in enumerate(CHECKS.items(), start=1)])
    con.execute(f"""
        create or replace table mart_implausible as
        select c.check_order, c.check_id, c.check_label, c.treatment, r.* exclude (check_id)
        from ({_records_sql(t)}) as r join quality_checks as c using (check_id)
        order by c.check_order, r.source_file, r.source_row
    """)
    con.execute("drop table quality_checks")
