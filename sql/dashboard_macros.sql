-- Macros the dashboard's queries share, stored in every build (and its served file) so
-- read-only connections have them.

-- Who is counted: the sidebar's locality, looked-after status, age bands and sexes. A
-- query that does not filter by locality or looked-after status passes 'All' for it.
create or replace macro cm_counted(locality, age_band, sex, is_looked_after,
                                   want_locality, want_age_bands, want_sexes, want_looked_after) as
    (want_locality = 'All' or locality = want_locality)
    and (want_looked_after = 'All' or coalesce(is_looked_after, false) = (want_looked_after = 'Looked after'))
    and list_contains(want_age_bands, age_band)
    and list_contains(want_sexes, sex);

-- Whose records a user counts (contextmap.auth.scope_param): 'All' for the whole build,
-- else one council's code, matched against the records' owner (episodes, interviews) or
-- the council an offence happened in.
create or replace macro cm_whole_scope(want_scope) as
    want_scope = 'All';

create or replace macro cm_in_scope(code, want_scope) as
    cm_whole_scope(want_scope) or code = want_scope;
