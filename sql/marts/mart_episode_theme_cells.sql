-- Missing episodes by the themes their return home interviews recorded ('No theme
-- recorded' when none), at the grain of mart_episode_cells: an episode counts once under
-- each of its themes, so theme rows add up to more than the episodes.
with rhi_themes as (
    select episode_key, list_distinct(flatten(list(themes))) as themes
    from stg_return_home_interviews
    group by episode_key
),

episodes as (
    select e.*, coalesce(t.themes, []) as themes
    from int_episodes as e
    left join rhi_themes as t using (episode_key)
),

themed as (
    select
        *,
        unnest(case when array_length(themes) = 0 then ['No theme recorded'] else themes end) as theme
    from episodes
),

final as (
    select
        start_month as month,
        -- Whose records (the council's key): a council scope counts only its own.
        owner_code,
        locality,
        age_band,
        sex,
        coalesce(is_looked_after, false) as is_looked_after,
        theme,
        count(*) as episodes,
        count(*) filter (where ended_at is not null) as returned,
        count(*) filter (where is_rhi_eligible) as rhi_eligible,
        count(*) filter (where is_rhi_offered_72h) as rhi_offered_72h,
        count(*) filter (where ended_at is not null and rhi_completed) as rhi_completed,
        -- Cell keys: each count's sum of record keys (contextmap/cellkey.py).
        sum(episode_rkey) as episodes_ckey,
        coalesce(sum(episode_rkey) filter (where ended_at is not null), 0) as returned_ckey,
        coalesce(sum(episode_rkey) filter (where is_rhi_eligible), 0) as rhi_eligible_ckey,
        coalesce(sum(episode_rkey) filter (where is_rhi_offered_72h), 0) as rhi_offered_72h_ckey,
        coalesce(sum(episode_rkey) filter (where ended_at is not null and rhi_completed), 0) as rhi_completed_ckey
    from themed
    group by all
)

select * from final order by all
