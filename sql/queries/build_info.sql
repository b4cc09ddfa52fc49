-- any scope: when and from what the build was made
select built_at, is_demo, inputs, settings_hash, area_name from build_info
