-- One row per pair of people linked by any evidence (person_a < person_b): going missing
-- together, offending together, naming each other in a return home interview.
-- Settings ([peer_groups] in contextmap.toml, pipelines.peer_groups.config.Config):
-- $window_hours, $w_missing, $w_offending, $w_rhi, $excluded_roles.
with episodes as (
    select
        episode_key, person_key, started_at,
        epoch(started_at) as t,
        missing_from_sector, found_place_id, found_sector
    from stg_missing_episodes
    where person_key is not null and started_at is not null
),

-- Each episode once per place it shares with others: where it started and where it ended.
anchors as (
    select episode_key, person_key, started_at, t, 'from_sector' as kind, missing_from_sector as anchor
    from episodes where missing_from_sector is not null
    union all
    select episode_key, person_key, started_at, t, 'found_place', found_place_id
    from episodes where found_place_id is not null
    union all
    select episode_key, person_key, started_at, t, 'found_sector', found_sector
    from episodes where found_sector is not null
),

-- Time buckets one window wide: two starts within a window are in the same or adjacent
-- buckets, so the self-join is an equality join on (kind, anchor, bucket).
bucketed as (
    select *, floor(t / ($window_hours * 3600.0))::bigint as bucket
    from anchors
),

probes as (
    select *, unnest([bucket - 1, bucket, bucket + 1]) as probe_bucket
    from bucketed
),

episode_pairs as (
    select distinct
        a.person_key as person_a, b.person_key as person_b,
        a.episode_key as episode_a, b.episode_key as episode_b,
        least(a.started_at, b.started_at) as linked_at
    from probes as a
    join bucketed as b
        on b.kind = a.kind and b.anchor = a.anchor and b.bucket = a.probe_bucket
    where a.person_key < b.person_key
      and abs(a.t - b.t) <= $window_hours * 3600.0
),

missing_together as (
    select person_a, person_b, count(*) as n,
           min(linked_at) as first_at, max(linked_at) as last_at
    from episode_pairs
    group by person_a, person_b
),

-- Victims and witnesses of an offence are not its co-offenders.
offenders as (
    select offence_key, person_key, min(offence_at) as offence_at
    from stg_offences
    where person_key is not null and not list_contains($excluded_roles, coalesce(upper(role), ''))
    group by offence_key, person_key
),

-- offenders has one row per offence and person, so each offence gives a pair once: count(*)
-- counts its offences without a distinct aggregate's second hash table.
co_offending as (
    select a.person_key as person_a, b.person_key as person_b, count(*) as n,
           min(least(a.offence_at, b.offence_at)) as first_at,
           max(least(a.offence_at, b.offence_at)) as last_at
    from offenders as a
    join offenders as b on b.offence_key = a.offence_key and a.person_key < b.person_key
    group by a.person_key, b.person_key
),

-- A child naming someone in a return home interview links the two, whoever named whom.
rhi_names as (
    select r.rhi_key, e.person_key as child, unnest(r.associate_keys) as associate,
           coalesce(r.completed_at, r.offered_at, e.started_at) as named_at
    from stg_return_home_interviews as r
    join stg_missing_episodes as e using (episode_key)
    where e.person_key is not null
),

rhi_named as (
    select least(child, associate) as person_a, greatest(child, associate) as person_b,
           count(distinct rhi_key) as n,
           min(named_at) as first_at, max(named_at) as last_at
    from rhi_names
    where associate is not null and associate <> child
    group by all
),

-- Nearly every pair has one kind of evidence, and going missing together outnumbers the
-- rest a hundred to one: joining the three on the pair is much cheaper than grouping
-- their union.
final as (
    select
        person_a,
        person_b,
        list_filter([
            case when o.n is not null then 'co_offending' end,
            case when m.n is not null then 'missing_together' end,
            case when r.n is not null then 'rhi_named' end
        ], lambda e: e is not null) as evidence_types,
        coalesce(m.n, 0)::integer as missing_together,
        coalesce(o.n, 0)::integer as co_offending,
        coalesce(r.n, 0)::integer as rhi_named,
        least(m.first_at, o.first_at, r.first_at) as first_linked_at,
        greatest(m.last_at, o.last_at, r.last_at) as last_linked_at
    from missing_together as m
    full join co_offending as o using (person_a, person_b)
    full join rhi_named as r using (person_a, person_b)
)

select
    *,
    ($w_missing * missing_together + $w_offending * co_offending + $w_rhi * rhi_named)::double as weight
from final
