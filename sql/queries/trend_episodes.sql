-- Missing episodes and RHI measures per month, split by one dimension ($split: none,
-- locality, age_band, sex, looked_after or theme). An episode has every theme its return
-- home interviews recorded, so theme lines can add up to more than the episodes.
with rhi_themes as (
    select episode_key, list_distinct(flatten(list(themes))) as themes
    from stg_return_home_interviews
    group by episode_key
),

episodes as (
    select e.*, coalesce(t.themes, []) as themes
    from int_episodes as e
    left join rhi_themes as t using (episode_key)
    where e.start_month between $month_from and $month_to
      and ($locality = 'All' or e.locality = $locality)
      and ($looked_after = 'All' or coalesce(e.is_looked_after, false) = ($looked_after = 'Looked after'))
      and list_contains($age_bands, e.age_band)
      and list_contains($sexes, e.sex)
),

split as (
    select
        *,
        unnest(
            case
                when $split = 'theme' then (case when len(themes) = 0 then ['No theme recorded'] else themes end)
                else [case $split
                    when 'locality' then locality
                    when 'age_band' then age_band
                    when 'sex' then sex
                    when 'looked_after' then (case when is_looked_after then 'Looked after' else 'Not looked after' end)
                    else 'All'
                end]
            end
        ) as split_value
    from episodes
)

select
    start_month as month,
    split_value,
    count(*) as episodes,
    count(distinct person_key) as children,
    count(*) filter (where is_looked_after) as looked_after_episodes,
    count(*) filter (where is_rhi_eligible) as rhi_eligible,
    count(*) filter (where is_rhi_offered_72h) as rhi_offered_72h,
    count(*) filter (where ended_at is not null) as returned,
    count(*) filter (where ended_at is not null and rhi_completed) as rhi_completed
from split
group by all
order by month, split_value
