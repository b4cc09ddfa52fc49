"""hotspots analytics (build steps listed in STEPS)."""

STEPS: list = []
