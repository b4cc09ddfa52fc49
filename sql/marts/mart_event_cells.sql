-- Events by month, source, locality, the other filters and the event's RHI themes: the
-- events trend and its splits (theme included) roll these up instead of reading events.
with events as (
    select * from int_events
),

owners as (
    select episode_key, owner_code from int_episodes
),

final as (
    select
        e.event_month,
        e.event_source,
        -- Whose scope counts the event: a missing or interview event is the child's council's
        -- (the episode's owner), wherever it happened; an offence is the council it happened in.
        case when e.episode_key is null then g.council_code else o.owner_code end as scope_code,
        e.locality,
        e.age_band,
        e.sex,
        -- Unknown counts as not looked after, as the filters and the split count it.
        coalesce(e.is_looked_after, false) as is_looked_after,
        e.themes,
        count(*) as events,
        -- Cell keys: each count's sum of record keys (contextmap/cellkey.py).
        sum(e.event_rkey) as events_ckey
    from events as e
    left join owners as o using (episode_key)
    left join geo_lsoa as g using (lsoa_code)
    group by all
)

select * from final order by all
