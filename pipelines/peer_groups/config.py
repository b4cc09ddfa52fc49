"""The [peer_groups] settings, read once per build step."""

from __future__ import annotations

from dataclasses import dataclass

from contextmap import settings

EVIDENCE = ("missing_together", "co_offending", "rhi_named")
"""The three kinds of link, in the order they are shown."""

EVIDENCE_LABELS = {
    "missing_together": "Missing together",
    "co_offending": "Offending together",
    "rhi_named": "Named in a return interview",
}


@dataclass(frozen=True)
class Config:
    """Settings of the association graph and the group detection."""

    window_hours: float = 6.0
    min_group_size: int = 3
    seed: int = 7
    resolution: float = 0.5
    min_link_weight: float = 1.5
    match_jaccard: float = 0.5
    warm_start: bool = True
    excluded_roles: tuple[str, ...] = ("VICTIM", "WITNESS")
    weights: tuple[tuple[str, float], ...] = (("missing_together", 1.0), ("co_offending", 2.0), ("rhi_named", 1.5))

    @classmethod
    def from_settings(cls) -> Config:
        """The configuration in ``contextmap.toml`` ``[peer_groups]``."""
        cfg = settings.current().peer_groups
        return cls(
            window_hours=float(cfg.window_hours),
            min_group_size=cfg.min_group_size,
            seed=cfg.seed,
            resolution=float(cfg.resolution),
            min_link_weight=float(cfg.min_link_weight),
            match_jaccard=float(cfg.match_jaccard),
            warm_start=cfg.warm_start,
            excluded_roles=tuple(r.upper() for r in cfg.co_offending_excluded_roles),
            weights=tuple((k, float(getattr(cfg.edge_weights, k))) for k in EVIDENCE),
        )

    def weight(self, evidence: str) -> float:
        """The weight of one link of ``evidence``."""
        return dict(self.weights)[evidence]

    def sql_params(self) -> dict:
        """The parameters of ``sql/intermediate/int_associations.sql``."""
        return {
            "window_hours": self.window_hours,
            "w_missing": self.weight("missing_together"),
            "w_offending": self.weight("co_offending"),
            "w_rhi": self.weight("rhi_named"),
            "excluded_roles": list(self.excluded_roles),
        }
