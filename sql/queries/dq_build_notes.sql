-- What the last build could not compute and why (no places, no offences, one month only).
select note from build_notes order by note_order
