-- One row per missing episode, with its areas and its return home interview measures.
-- Settings: $rhi_offer_hours ([rhi] offer_within_hours: the statutory 72 hours),
-- $repeat_episodes and $repeat_days ([repeat_missing]: 3 episodes in 90 days).
with episodes as (
    select * from stg_missing_episodes
),

rhis as (
    select * from stg_return_home_interviews
),

lsoas as (
    select * from geo_lsoa
),

sectors as (
    select * from geo_sector
),

-- An episode can have more than one RHI row (a re-offer); the earliest offer counts.
rhi_per_episode as (
    select
        episode_key,
        count(*) as rhi_records,
        min(offered_at) as rhi_offered_at,
        min(completed_at) as rhi_completed_at,
        bool_or(outcome = 'COMPLETED') as rhi_completed,
        bool_or(outcome = 'DECLINED') as rhi_declined,
        bool_or(outcome = 'NO_CONTACT') as rhi_no_contact,
        bool_or(outcome = 'NOT_OFFERED') as rhi_not_offered,
        bool_and(has_times) as rhi_has_times,
        bool_or(outcome in ('COMPLETED', 'DECLINED') or offered_at is not null) as rhi_offered
    from rhis
    group by episode_key
),

located as (
    select
        e.*,
        date_trunc('month', e.started_at)::date as start_month,
        round(date_diff('minute', e.started_at, e.ended_at) / 60.0, 2) as duration_hours,
        mf.ward_code as missing_from_ward,
        mf.locality as missing_from_locality,
        fo.ward_code as found_ward,
        fo.locality as found_locality,
        hs.locality as home_locality,
        split_part(e.home_sector, ' ', 1) as home_district,
        count(*) over (
            partition by e.person_key order by e.started_at
            range between interval ($repeat_days) day preceding and current row
        ) as episodes_in_window
    from episodes as e
    left join lsoas as mf on mf.lsoa_code = e.missing_from_lsoa
    left join lsoas as fo on fo.lsoa_code = e.found_lsoa
    left join sectors as hs on hs.sector = e.home_sector
),

measured as (
    select
        l.*,
        -- The child's locality: where they went missing from, else home, else where found.
        coalesce(l.missing_from_locality, l.home_locality, l.found_locality, 'Unknown') as locality,
        coalesce(r.rhi_records, 0) as rhi_records,
        r.rhi_offered_at,
        r.rhi_completed_at,
        coalesce(r.rhi_offered, false) as rhi_offered,
        coalesce(r.rhi_completed, false) as rhi_completed,
        coalesce(r.rhi_declined, false) as rhi_declined,
        coalesce(r.rhi_has_times, true) as rhi_has_times,
        r.rhi_offered_at < l.ended_at as rhi_offered_before_return,
        -- Offers recorded before the return are counted from the return itself.
        -- (greatest() skips nulls, so guard it: no offer or no return means no figure, not 0.)
        case when l.ended_at is not null and r.rhi_offered_at is not null
            then greatest(round(date_diff('minute', l.ended_at, r.rhi_offered_at) / 60.0, 2), 0)
        end as hours_return_to_offer,
        r.rhi_no_contact,
        r.rhi_not_offered
    from located as l
    left join rhi_per_episode as r using (episode_key)
),

final as (
    select
        * exclude (rhi_no_contact, rhi_not_offered),
        -- Record keys for cell-key perturbation (pipelines/record_keys.py).
        cm_rkey(episode_key) as episode_rkey,
        cm_rkey(person_key) as person_rkey,
        case
            when ended_at is null then 'Still missing'
            when not rhi_has_times then 'No times recorded'
            when rhi_offered_at is not null and hours_return_to_offer <= $rhi_offer_hours then 'Offered in time'
            when rhi_offered_at is not null then 'Offered late'
            when rhi_records = 0 then 'No RHI recorded'
            when rhi_not_offered then 'Recorded as not offered'
            when rhi_no_contact then 'No contact made'
            else 'No offer time recorded'
        end as rhi_status,
        ended_at is not null and rhi_has_times as is_rhi_eligible,
        ended_at is not null and rhi_has_times and rhi_offered_at is not null
            and hours_return_to_offer <= $rhi_offer_hours as is_rhi_offered_72h,
        ended_at is not null and rhi_has_times and rhi_completed_at is not null
            and greatest(date_diff('minute', ended_at, rhi_completed_at), 0) <= $rhi_offer_hours * 60
            as is_rhi_completed_72h,
        episodes_in_window >= $repeat_episodes as is_repeat
    from measured
)

select * from final order by episode_key
