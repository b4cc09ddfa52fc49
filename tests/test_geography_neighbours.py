"""Area neighbours for Gi*: the build's rule (boundary vertices within 2 m) gives exactly
libpysal's Queen contiguity on the shipped Kirklees boundaries and on West Yorkshire's wards,
and libpysal's fuzzy contiguity on West Yorkshire's LSOAs, whose shared borders agree to a
millimetre but share no vertex exactly (Queen finds no neighbours there)."""

from __future__ import annotations

import geopandas as gpd
import pytest
from libpysal.weights import Queen, fuzzy_contiguity

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


@pytest.mark.parametrize("path, code", [(settings.ROOT / "data/geography/west_yorkshire/lsoas.geojson", "code"),
                                        (REAL / "west_yorkshire_lsoa2011_bgc.geojson", "LSOA11CD")],
                         ids=lambda v: getattr(v, "stem", ""))
def test_neighbours_of_unshared_vertices_are_libpysals_fuzzy_contiguity(path, code):
    if not path.exists():
        pytest.skip(f"{path} is not on this machine (the shared real data sits beside the project)")
    gdf = gpd.read_file(path).rename(columns={code: "code"}).sort_values("code").reset_index(drop=True)
    # Areas within a metre of each other (a 1 m buffer): fuzzy_contiguity keys them by row.
    fuzzy = fuzzy_contiguity(gdf.to_crs(27700), buffering=True, buffer=1.0, silence_warnings=True)
    codes = gdf["code"]
    expected = sorted((codes[a], codes[b]) for a, nbrs in fuzzy.neighbors.items() for b in nbrs)
    found = list(geography._neighbours(gdf).itertuples(index=False, name=None))
    assert len(found) > 5 * len(gdf)
    assert found == expected
