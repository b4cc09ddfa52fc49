"""A build imports heavy libraries only when its data need them (issue 21: the fixed cost).

Each check runs in a fresh process and reads ``sys.modules``, so an import anywhere (a
module-level one in a step's module, say) shows up.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from contextmap.settings import ROOT

HEAVY = ("igraph", "geopandas", "pandas")


def _loaded(code: str) -> dict[str, bool]:
    """Run ``code`` in a fresh interpreter; which of :data:`HEAVY` it left imported (and
    whatever ``code`` put in the dict ``seen``)."""
    script = (f"seen = {{}}\n{code}\nimport json, sys\n"
              f"print(json.dumps({{**{{m: m in sys.modules for m in {HEAVY!r}}}, **seen}}))")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_a_build_without_links_never_imports_igraph_nor_with_a_cached_geography_geopandas(tmp_path):
    inputs, warehouse = tmp_path / "input", tmp_path / "warehouse"
    inputs.mkdir()
    # Places alone: no episodes or offences, so no one is linked to anyone.
    shutil.copy(ROOT / "data" / "sample" / "places.csv", inputs)
    # The spy notes whether pandas is loaded when the ingest starts (and the analytics imports with it).
    build = ("import sys\nfrom pathlib import Path\nfrom pipelines import build\n"
             "start = build.import_in_background\n"
             "def spy(*a):\n    seen['pandas_at_ingest'] = 'pandas' in sys.modules\n    return start(*a)\n"
             "build.import_in_background = spy\n"
             f"build.build([Path({str(inputs)!r})], Path({str(warehouse)!r}), progress=lambda m: None)")
    first, second = _loaded(build), _loaded(build)
    # The first build makes the geography cache with geopandas (so the check sees imports)...
    assert first["geopandas"] and first["pandas_at_ingest"] and not first["igraph"]
    # ...the second copies it: no geopandas, no pandas before the ingest, and no igraph (no
    # links to find groups in). pandas still comes, in the background, for the analytics.
    assert not second["geopandas"] and not second["pandas_at_ingest"] and not second["igraph"]
    assert second["pandas"]


def test_igraph_is_imported_when_there_are_links_to_group():
    found = _loaded("import pandas as pd\nfrom pipelines.peer_groups import groups\n"
                    "from pipelines.peer_groups.config import Config\n"
                    "edges = pd.DataFrame({'person_a': ['a', 'a', 'b'], 'person_b': ['b', 'c', 'c'], 'weight': [3.0] * 3})\n"
                    "assert groups.detect(edges, Config()) == [['a', 'b', 'c']]")
    assert found["igraph"]


def test_starting_a_build_imports_no_pandas_before_the_ingest():
    # pandas (with NumPy and pyarrow) is imported in the background while DuckDB ingests.
    assert _loaded("import pipelines.build\nimport pipelines.__main__") == dict.fromkeys(HEAVY, False)


def test_the_analytics_modules_import_in_the_background_and_a_failing_one_is_left_to_its_step():
    found = _loaded("from pipelines.runner import import_in_background\n"
                    "from pipelines.step_types import Py\n"
                    "import_in_background([Py('pipelines.hotspots.areas:build', ('t',)), "
                    "Py('no_such_module:build', ('u',))])()")
    assert found["pandas"] and not found["igraph"]
