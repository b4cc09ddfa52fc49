"""disruption analytics (build steps listed in STEPS)."""

STEPS: list = []
