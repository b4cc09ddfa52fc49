-- Missing episodes and RHI measures per month, split by one dimension ($split: none,
-- locality, age_band, sex, looked_after or theme), summed from the episode marts. An
-- episode has every theme its return home interviews recorded, so theme lines can add up
-- to more than the episodes. Children are counted distinct per month and line.
with cells as (
    select
        *,
        case $split
            when 'locality' then locality
            when 'age_band' then age_band
            when 'sex' then sex
            when 'looked_after' then (case when is_looked_after then 'Looked after' else 'Not looked after' end)
            else 'All'
        end as split_value
    from mart_episode_cells
    where $split <> 'theme'
      and month between $month_from and $month_to
      and cm_counted(locality, age_band, sex, is_looked_after, $locality, $age_bands, $sexes, $looked_after)
      and cm_in_scope(owner_code, $scope)
),

theme_cells as (
    select *, theme as split_value
    from mart_episode_theme_cells
    where $split = 'theme'
      and month between $month_from and $month_to
      and cm_counted(locality, age_band, sex, is_looked_after, $locality, $age_bands, $sexes, $looked_after)
      and cm_in_scope(owner_code, $scope)
),

counts as (
    select
        month,
        split_value,
        sum(episodes) as episodes,
        coalesce(sum(episodes) filter (where is_looked_after), 0) as looked_after_episodes,
        sum(rhi_eligible) as rhi_eligible,
        sum(rhi_offered_72h) as rhi_offered_72h,
        sum(returned) as returned,
        sum(rhi_completed) as rhi_completed,
        sum(episodes_ckey) as episodes_ckey,
        coalesce(sum(episodes_ckey) filter (where is_looked_after), 0) as looked_after_episodes_ckey,
        sum(rhi_eligible_ckey) as rhi_eligible_ckey,
        sum(rhi_offered_72h_ckey) as rhi_offered_72h_ckey,
        sum(returned_ckey) as returned_ckey,
        sum(rhi_completed_ckey) as rhi_completed_ckey
    from (
        select month, split_value, is_looked_after, episodes, rhi_eligible, rhi_offered_72h, returned, rhi_completed,
               episodes_ckey, rhi_eligible_ckey, rhi_offered_72h_ckey, returned_ckey, rhi_completed_ckey
        from cells
        union all
        select month, split_value, is_looked_after, episodes, rhi_eligible, rhi_offered_72h, returned, rhi_completed,
               episodes_ckey, rhi_eligible_ckey, rhi_offered_72h_ckey, returned_ckey, rhi_completed_ckey
        from theme_cells
    ) as split_cells
    group by all
),

child_lines as (
    select
        month,
        person_key,
        person_rkey,
        unnest(
            case
                when $split = 'theme' then themes
                else [case $split
                    when 'locality' then locality
                    when 'age_band' then age_band
                    when 'sex' then sex
                    when 'looked_after' then (case when is_looked_after then 'Looked after' else 'Not looked after' end)
                    else 'All'
                end]
            end
        ) as split_value
    from mart_episode_children
    where month between $month_from and $month_to
      and cm_counted(locality, age_band, sex, is_looked_after, $locality, $age_bands, $sexes, $looked_after)
      and cm_in_scope(owner_code, $scope)
),

children as (
    select month, split_value, count(*) as children, sum(person_rkey) as children_ckey
    from (select distinct month, split_value, person_key, person_rkey from child_lines) as distinct_children
    group by all
)

select
    c.month,
    c.split_value,
    c.episodes::bigint as episodes,
    coalesce(k.children, 0) as children,
    c.looked_after_episodes::bigint as looked_after_episodes,
    c.rhi_eligible::bigint as rhi_eligible,
    c.rhi_offered_72h::bigint as rhi_offered_72h,
    c.returned::bigint as returned,
    c.rhi_completed::bigint as rhi_completed,
    c.episodes_ckey::bigint as episodes_ckey,
    coalesce(k.children_ckey, 0)::bigint as children_ckey,
    c.looked_after_episodes_ckey::bigint as looked_after_episodes_ckey,
    c.rhi_eligible_ckey::bigint as rhi_eligible_ckey,
    c.rhi_offered_72h_ckey::bigint as rhi_offered_72h_ckey,
    c.returned_ckey::bigint as returned_ckey,
    c.rhi_completed_ckey::bigint as rhi_completed_ckey
from counts as c
left join children as k using (month, split_value)
order by c.month, c.split_value
