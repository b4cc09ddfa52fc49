"""Peer groups: Leiden communities of the association graph, with ids stable across builds.

Leiden (igraph's ``community_leiden``) optimises the Constant Potts Model (CPM) with the
seed from ``contextmap.toml``, so the same data gives the same groups. CPM has no
resolution limit: unlike modularity, whether two sets of people form one group depends
only on the links between them, not on the size of the whole network, so small groups
in a county-wide network are not merged. Each connected component is handled on its own.
Communities smaller than ``min_group_size`` are not groups. Each new group is matched to
the previous build's groups by Jaccard overlap of members and keeps the old id when the
overlap reaches ``match_jaccard``; others get ids after the highest id ever issued, so an
id is never reused for a different group.

Only links of at least ``min_link_weight`` take part: with the default weights a single
coincidence of going missing at the same time and place is not enough to join a group,
while one offence together, one naming in an interview or two joint episodes are.
"""

from __future__ import annotations

import os
import pickle
import random
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd

from contextmap.settings import ROOT
from pipelines.peer_groups.config import Config
from pipelines.step_types import BuildContext

if TYPE_CHECKING:
    import igraph as ig

# Leiden keeps the interpreter lock (igraph calls back into Python for each random number,
# 28 million of them at national scale), so a large graph is split into groups in a
# separate process while the build's other steps carry on (pipelines/steps.py).
PROCESS_MIN_LINKS = 100_000


@dataclass(frozen=True)
class Previous:
    """The previous build's groups: members by id, and every id it ever issued."""

    members: dict[int, frozenset[str]]
    ids: pd.DataFrame

    @property
    def max_id(self) -> int:
        issued = [*self.members, *self.ids["group_id"].tolist()]
        return int(max(issued, default=0))


NO_PREVIOUS = Previous({}, pd.DataFrame(columns=["group_id", "first_built_at", "last_built_at"]))


def detect(edges: pd.DataFrame, config: Config, initial: dict[str, int] | None = None) -> list[list[str]]:
    """Communities of at least ``min_group_size`` people, each a sorted list of person keys.

    Each connected component is handled on its own, in a fixed order and with the fixed
    seed: a component too small for a group is skipped, one in which everyone is linked
    to everyone by links heavier than ``resolution`` is one group (the CPM optimum), and
    Leiden splits the rest. So a change in one part of the network cannot move people
    in another.

    Parameters
    ----------
    edges : DataFrame
        ``person_a``, ``person_b``, ``weight``.
    config : Config
    initial : dict, optional
        person_key → previous group id, to start Leiden from the previous partition
        (everyone else starts alone).

    Returns
    -------
    list of list of str
        Largest first, ties broken by the smallest key, so the order is reproducible.
    """
    if edges.empty:
        return []
    # Imported only when there are links: a build with none never loads igraph.
    import igraph as ig

    # Vertices in key order and edges sorted, so the input's row order cannot change the result.
    edges = edges.sort_values(["person_a", "person_b"], ignore_index=True)
    people = pd.Index(pd.unique(pd.concat([edges["person_a"], edges["person_b"]]))).sort_values()
    ends = np.column_stack([people.get_indexer(edges["person_a"]), people.get_indexer(edges["person_b"])])
    weights = edges["weight"].to_numpy(dtype=float)
    graph = ig.Graph(n=len(people), edges=ends, edge_attrs={"weight": weights})
    components = graph.connected_components()
    whole = _complete_components(components, ends, weights, config)
    start = _start_membership(people, initial)
    groups: list[list[int]] = []
    # igraph numbers components by their smallest vertex, that is by their smallest key.
    for number, vertices in enumerate(components):
        if len(vertices) < config.min_group_size:
            continue
        if number in whole:
            groups.append(vertices)
        else:
            groups += _leiden(graph.subgraph(vertices), vertices, start, config)
    keys = people.to_numpy()
    found = [sorted(keys[g].tolist()) for g in groups if len(g) >= config.min_group_size]
    return sorted(found, key=lambda g: (-len(g), g[0]))


def _complete_components(components: ig.VertexClustering, ends: np.ndarray, weights: np.ndarray,
                         config: Config) -> set[int]:
    """Components in which every pair is linked by more than ``resolution``.

    Such a component is one group without running Leiden: splitting it would cut links
    weighing more than ``resolution`` per pair cut, so CPM always prefers it whole.
    """
    sizes = np.asarray(components.sizes())
    of_edge = np.asarray(components.membership)[ends[:, 0]]
    links = np.bincount(of_edge, minlength=len(sizes))
    weakest = np.full(len(sizes), np.inf)
    np.minimum.at(weakest, of_edge, weights)
    complete = (links == sizes * (sizes - 1) // 2) & (weakest > config.resolution)
    return set(np.flatnonzero(complete).tolist())


def _start_membership(people: pd.Index, initial: dict[str, int] | None) -> np.ndarray | None:
    """Each vertex's previous group id, or -1 for someone in no previous group."""
    if not initial:
        return None
    return people.map(lambda p: initial.get(p, -1)).to_numpy(dtype=np.int64)


def _leiden(component: ig.Graph, vertices: list[int], start: np.ndarray | None, config: Config) -> list[list[int]]:
    """Leiden (CPM, run until stable) on one component; communities as lists of ``vertices``."""
    import igraph as ig

    membership = None
    if start is not None:
        previous = start[vertices]
        labels = {g: i for i, g in enumerate(sorted(set(previous[previous >= 0].tolist())))}
        singles = iter(range(len(labels), len(labels) + len(vertices)))
        membership = [labels[g] if g >= 0 else next(singles) for g in previous.tolist()]
    # igraph draws from the generator set here; a fresh one per component keeps each
    # component's result independent of the others.
    ig.set_random_number_generator(random.Random(config.seed))
    try:
        clustering = component.community_leiden(
            objective_function="CPM", weights="weight", resolution=config.resolution,
            initial_membership=membership, n_iterations=-1,
        )
    finally:
        ig.set_random_number_generator(random)
    return [[vertices[v] for v in community] for community in clustering]


def jaccard(a: frozenset, b: frozenset) -> float:
    """Shared members over members of either."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def match_ids(groups: list[list[str]], previous: dict[int, frozenset[str]], threshold: float,
              next_id: int) -> list[tuple[int, float | None]]:
    """An id for each group: the previous group it overlaps best, or a new id from ``next_id``.

    Pairs are taken greedily, highest Jaccard first. With a threshold of 0.5 or more this
    is also the optimal (Hungarian) assignment: a group can overlap more than half with at
    most one of a set of disjoint groups, so no two candidate pairs compete.

    Returns
    -------
    list of (group_id, jaccard with the previous group of that id or None when new)
    """
    owner = {p: gid for gid, members in previous.items() for p in members}
    candidates = []
    for i, members in enumerate(groups):
        for gid in sorted({owner[p] for p in members if p in owner}):
            score = jaccard(frozenset(members), previous[gid])
            if score >= threshold:
                candidates.append((-score, i, gid))
    assigned: dict[int, tuple[int, float]] = {}
    taken: set[int] = set()
    for neg_score, i, gid in sorted(candidates):
        if i not in assigned and gid not in taken:
            assigned[i] = (gid, -neg_score)
            taken.add(gid)
    out = []
    for i in range(len(groups)):
        if i in assigned:
            out.append(assigned[i])
        else:
            out.append((next_id, None))
            next_id += 1
    return out


def read_previous(path: Path | None) -> Previous:
    """The groups of the build at ``path`` (read-only); none when absent or unreadable."""
    if not path or not os.path.exists(path):
        return NO_PREVIOUS
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return NO_PREVIOUS
    try:
        tables = {t for (t,) in con.sql("select table_name from information_schema.tables").fetchall()}
        if "mart_peer_group_members" not in tables:
            return NO_PREVIOUS
        rows = con.sql("select group_id, person_key from mart_peer_group_members").fetchall()
        ids = (
            con.sql("select group_id, first_built_at, last_built_at from mart_peer_group_ids").df()
            if "mart_peer_group_ids" in tables else NO_PREVIOUS.ids
        )
    finally:
        con.close()
    members: dict[int, set[str]] = {}
    for gid, person in rows:
        members.setdefault(int(gid), set()).add(person)
    return Previous({g: frozenset(m) for g, m in members.items()}, ids)


def assign(edges: pd.DataFrame, config: Config, previous: Previous) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Detect groups and give them ids.

    Returns
    -------
    (members, ids)
        ``members``: group_id, person_key. ``ids``: group_id, is_current,
        previous_jaccard, first_built_at, last_built_at (every id ever issued).
    """
    initial = None
    if config.warm_start and previous.members:
        initial = {p: gid for gid, people in previous.members.items() for p in people}
    groups = detect(edges, config, initial)
    ids = match_ids(groups, previous.members, config.match_jaccard, previous.max_id + 1)
    members = pd.DataFrame(
        [(gid, p) for (gid, _), people in zip(ids, groups) for p in people], columns=["group_id", "person_key"]
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    old = previous.ids.set_index("group_id") if not previous.ids.empty else None
    history = []
    for gid, score in ids:
        first = old.at[gid, "first_built_at"] if old is not None and gid in old.index else now
        history.append((gid, True, score, first, now))
    current = {gid for gid, _ in ids}
    retired = {g: (None, None) for g in previous.members} | {
        int(r.group_id): (r.first_built_at, r.last_built_at) for r in previous.ids.itertuples()
    }
    for gid, (first, last) in sorted(retired.items()):
        if gid not in current:
            history.append((gid, False, None, first or now, last or now))
    ids_frame = pd.DataFrame(
        history, columns=["group_id", "is_current", "previous_jaccard", "first_built_at", "last_built_at"]
    ).sort_values("group_id", ignore_index=True)
    return members, ids_frame


def assign_in_process(edges: pd.DataFrame, config: Config, previous: Previous) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`assign` in a child Python process (``python -m pipelines.peer_groups.groups``)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-m", __name__], input=pickle.dumps((edges, config, previous)),
                          capture_output=True, env=env, check=False)
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"peer-group detection failed: {lines[-1] if lines else f'exit code {done.returncode}'}")
    return pickle.loads(done.stdout)


def build(con: duckdb.DuckDBPyConnection, config: Config | None = None,
          context: BuildContext = BuildContext()) -> None:
    """Create ``int_peer_group_members`` and ``mart_peer_group_ids`` from ``int_associations``.

    Groups are matched to those of ``context.previous_db`` (the build before, given by
    ``pipelines.build``); without one every group gets a fresh id.
    """
    config = config or Config.from_settings()
    edges = con.execute(
        "select person_a, person_b, weight from int_associations where weight >= ? and weight > 0",
        [config.min_link_weight],
    ).df()
    previous = read_previous(context.previous_db)
    if len(edges) < PROCESS_MIN_LINKS:
        members, ids = assign(edges, config, previous)
    else:
        members, ids = assign_in_process(edges, config, previous)
    con.register("pg_members_frame", members)
    con.register("pg_ids_frame", ids)
    try:
        con.execute("""
            create or replace table mart_peer_group_ids as
            select group_id::integer as group_id, is_current::boolean as is_current,
                   previous_jaccard::double as previous_jaccard,
                   first_built_at::timestamp as first_built_at, last_built_at::timestamp as last_built_at
            from pg_ids_frame order by group_id
        """)
        con.execute("""
            create or replace table int_peer_group_members as
            select group_id::integer as group_id, person_key::varchar as person_key
            from pg_members_frame order by group_id, person_key
        """)
    finally:
        con.unregister("pg_members_frame")
        con.unregister("pg_ids_frame")


if __name__ == "__main__":
    # The child of assign_in_process: (edges, config, previous) in, (members, ids) out.
    sys.stdout.buffer.write(pickle.dumps(assign(*pickle.loads(sys.stdin.buffer.read()))))
