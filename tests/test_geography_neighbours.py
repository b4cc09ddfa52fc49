"""Area neighbours for Gi*: the build's vertex-sharing rule gives exactly libpysal's Queen
contiguity on the shipped boundaries and on West Yorkshire's wards.

(The shared West Yorkshire LSOA file has reprojected coordinates that no two LSOAs share
exactly, so Queen finds no neighbours there either; a force-wide build needs snapped or
fuzzy contiguity.)"""

from __future__ import annotations

import geopandas as gpd
import pytest
from libpysal.weights import Queen

from contextmap import settings
from pipelines import geography

REAL = settings.ROOT.parent / "shared" / "data" / "real" / "geography"
# Boundary file and its code column: the shipped Kirklees files, and the force area's.
BOUNDARIES = [(settings.current().geography.wards, "code"),
              (settings.current().geography.lsoas, "code"),
              (REAL / "west_yorkshire_wards_bgc.geojson", "WD13CD")]


@pytest.mark.parametrize("path, code", BOUNDARIES, ids=lambda v: getattr(v, "stem", ""))
def test_neighbours_are_libpysals_queen_contiguity(path, code):
    if not path.exists():
        pytest.skip(f"{path} is not on this machine (the shared real data sits beside the project)")
    gdf = gpd.read_file(path).rename(columns={code: "code"}).sort_values("code").reset_index(drop=True)
    queen = Queen.from_dataframe(gdf, ids=gdf["code"].tolist(), use_index=False, silence_warnings=True)
    expected = sorted((a, b) for a, nbrs in queen.neighbors.items() for b in nbrs)
    found = list(geography._neighbours(gdf).itertuples(index=False, name=None))
    assert len(expected) > len(gdf)  # areas do touch: the comparison is not of two empty lists
    assert found == expected
