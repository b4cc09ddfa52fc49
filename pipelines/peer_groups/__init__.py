"""peer_groups analytics (build steps listed in STEPS)."""

STEPS: list = []
