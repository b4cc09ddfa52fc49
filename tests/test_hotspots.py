"""Hot spot statistics: the Gi* wrapper against esda, FDR, funnel limits, emerging tests, Knox."""

import esda
import libpysal
import numpy as np
import pandas as pd
import pytest

from contextmap import hotspot_stats as hs
from pipelines.hotspots import places, windows
from pipelines.hotspots.emerging import emerging_table


def _lattice_rows(n: int) -> tuple[list[str], pd.DataFrame]:
    """Codes and rook-neighbour rows of an n × n grid, as a neighbour table would hold them."""
    codes = [f"A{r}{c}" for r in range(n) for c in range(n)]
    rows = []
    for r in range(n):
        for c in range(n):
            for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                if 0 <= r + dr < n and 0 <= c + dc < n:
                    rows.append((f"A{r}{c}", f"A{r + dr}{c + dc}"))
    return codes, pd.DataFrame(rows, columns=["code", "neighbour_code"])


def test_gi_star_from_neighbour_rows_equals_esda_on_a_5x5_rook_grid():
    codes, rows = _lattice_rows(5)
    y = np.random.default_rng(3).poisson(4, 25).astype(float)
    y[:3] += 12  # a cluster along the top row
    z, p = hs.gi_star(y, hs.neighbour_weights(codes, rows.sample(frac=1, random_state=1)))
    reference = esda.G_Local(y, libpysal.weights.lat2W(5, 5, rook=True), transform="B", star=True, permutations=0)
    np.testing.assert_allclose(z, reference.Zs, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(p, 2 * reference.p_norm, rtol=1e-9)
    assert z[:3].min() > 1.96 and z[-1] < 0


def test_gi_classes_call_the_cluster_hot_but_not_on_a_handful_of_events():
    codes, rows = _lattice_rows(7)
    y = np.ones(49)
    y[[0, 1, 7, 8]] = 30
    w = hs.neighbour_weights(codes, rows)
    z, p = hs.gi_star(y, w)
    classes = hs.gi_classes(z, p, events=y, min_events=10)
    assert set(classes[[0, 1, 7, 8]]) <= {"Hot spot 99%", "Hot spot 95%"}
    assert classes[48] in ("Not significant", "Cold spot 90%", "Cold spot 95%", "Cold spot 99%")
    # The same pattern on a tenth of the events: the cluster is as clear but too small to call.
    few = hs.gi_classes(z, p, events=y / 10, min_events=10)
    assert set(few[[0, 1, 7, 8]]) == {"Too few events"}


def test_no_events_anywhere_is_no_hot_spot():
    codes, rows = _lattice_rows(3)
    z, p = hs.gi_star(np.zeros(9), hs.neighbour_weights(codes, rows))
    assert (z == 0).all() and (p == 1).all()
    assert set(hs.gi_classes(z, p, np.zeros(9), 10)) == {"Not significant"}


def test_benjamini_hochberg_qvalues_and_esda_cutoff_agree():
    q = hs.bh_qvalues([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(q, [0.02, 0.04, 0.04, 0.02])
    p = np.random.default_rng(0).uniform(size=300) ** 3
    for alpha in (0.01, 0.05, 0.1):
        assert (hs.fdr_significant(p, alpha) == (hs.bh_qvalues(p) <= alpha)).all()


def test_fdr_keeps_pure_noise_from_being_called_significant():
    p = np.random.default_rng(1).uniform(size=500)
    assert (p < 0.05).sum() > 10  # uncorrected, noise looks like signal
    assert hs.fdr_significant(p, 0.05).sum() <= 1


def test_funnel_limits_match_hand_calculated_exact_poisson_values():
    # Poisson(4): F(7) = 0.948866, F(8) = 0.978637, so the 97.5% limit is 8 - (0.978637 - 0.975) / 0.029771.
    assert hs.poisson_limit(4.0, 0.975) == pytest.approx(7.8778, abs=1e-3)
    # Large counts: close to the normal approximation 400 ± 3.09 × 20.
    assert hs.poisson_limit(400.0, 0.999) == pytest.approx(400 + 3.0902 * 20, rel=0.005)
    assert hs.poisson_limit(400.0, 0.001) == pytest.approx(400 - 3.0902 * 20, rel=0.005)


def test_funnel_narrows_with_population_and_classifies_outliers():
    limits = hs.funnel_limits(20.0, np.array([100.0, 1000.0, 10000.0]))
    width = limits["upper_998"] - limits["lower_998"]
    assert (np.diff(width) < 0).all()
    assert (limits["lower_95"] < 20).all() and (limits["upper_95"] > 20).all()
    # 3 events among 100 children (30 per 1,000) is within limits; 300 among 10,000 is not.
    classes = hs.funnel_class(np.array([30.0, 20.0, 30.0]), limits)
    assert list(classes) == ["Within limits", "Within limits", "Above 99.8% limit"]
    curve = hs.funnel_curve(20.0, 5000)
    assert list(curve.columns) == ["population", *hs.FUNNEL_LIMITS] and len(curve) == 200


def test_rate_test_flags_a_rise_against_the_own_baseline():
    baseline = np.ones(24)
    assert hs.rate_test_p(np.array([30]), baseline.sum(), 6, 24)[0] < 1e-6
    assert hs.rate_test_p(np.array([6]), baseline.sum(), 6, 24)[0] > 0.3
    assert hs.rate_test_p(np.array([3]), 0, 1, 1)[0] == pytest.approx(0.125)


@pytest.mark.parametrize(
    ("hot", "cold", "tau", "p", "label"),
    [
        ([0] * 11 + [1], None, 0, 1, "New"),
        ([0] * 9 + [1] * 3, None, 0, 1, "Consecutive"),
        ([1] * 12, None, 0.1, 0.5, "Persistent"),
        ([1] * 12, None, 0.6, 0.01, "Intensifying"),
        ([1] * 12, None, -0.6, 0.01, "Diminishing"),
        ([1] * 11 + [0], None, 0, 1, "Historical"),
        ([1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1], None, 0, 1, "Sporadic"),
        ([1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1], [0, 1] + [0] * 10, 0, 1, "Oscillating"),
        ([1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], None, 0, 1, "No pattern"),
    ],
)
def test_emerging_labels_follow_arcgis_definitions(hot, cold, tau, p, label):
    assert hs.emerging_label(hot, cold, tau, p) == label


def test_mann_kendall_sees_a_rising_series():
    tau, p = hs.mann_kendall([1, 2, 2, 3, 5, 4, 6, 8, 9, 12])
    assert tau > 0.8 and p < 0.01
    assert hs.mann_kendall([3, 3, 3, 3]) == (0.0, 1.0)


def _quarter_starts(n_months: int) -> np.ndarray:
    """The index of each month's quarter's first month, for data starting with a quarter."""
    return np.arange(n_months) // 3 * 3


def test_emerging_table_flags_the_unit_that_rose_and_not_the_steady_one():
    cfg = windows.config() | {"baseline": 24, "min_events": 10, "emerging_alpha": 0.05}
    steady = np.full(30, 3.0)
    risen = np.r_[np.full(24, 1.0), np.full(6, 5.0)]
    small = np.r_[np.zeros(24), np.full(6, 1.0)]  # a clear rise, but only 3 events in the quarter
    hot = np.zeros((3, 30), dtype=bool)
    out = emerging_table(["steady", "risen", "small"], np.vstack([steady, risen, small]), hot, hot, cfg,
                         _quarter_starts(30))
    last = out[out["t"] == out["t"].max()]
    assert last.set_index("unit_code")["is_emerging"].to_dict() == {"steady": False, "risen": True, "small": False}


def test_emerging_windows_are_the_quarter_so_far_and_the_baseline_the_months_before_it():
    cfg = windows.config() | {"baseline": 7, "min_events": 10, "emerging_alpha": 0.05}
    monthly = np.arange(1.0, 16.0)[None, :]  # 15 months: the months' own numbers tell them apart
    out = emerging_table(["u"], monthly, np.zeros((1, 15), bool), np.zeros((1, 15), bool), cfg,
                         _quarter_starts(15), keys=10 * monthly).set_index("t")
    # No row until a quarter has two quarters of data before it (emerging.MIN_BASELINE).
    assert list(out.index) == list(range(6, 15))
    assert list(out["recent_months"]) == [1, 2, 3] * 3
    # Months 9, 10 and 11 (numbered 10, 11, 12): each window is the quarter from its first month,
    # so at the quarter's end it is the quarter and at its first month that month alone.
    assert list(out.loc[9:11, "recent_events"]) == [10, 10 + 11, 10 + 11 + 12]
    assert list(out.loc[9:11, "recent_events_ckey"]) == [100, 210, 330]
    # The baseline is the 7 months before the quarter (months 2 to 8), whichever month of it.
    assert set(out.loc[9:11, "baseline_events"]) == {sum(range(3, 10))}
    assert set(out.loc[9:11, "baseline_months"]) == {7}
    assert list(out.loc[6:8, "baseline_months"]) == [6, 6, 6]


def test_knox_counts_pairs_by_days_band_and_finds_planted_repeats():
    out = places.knox(np.zeros(4, dtype=int), np.array([0.0, 3.0, 10.0, 40.0]), [7, 14, 30, 60], 0, 1)
    mine = out[out["scope"] == places.ALL_PLACES].set_index("days_band")["observed"].to_dict()
    assert mine == {"0-7 days": 2, "8-14 days": 1, "15-30 days": 1, "31-60 days": 2}

    rng = np.random.default_rng(5)
    starts = rng.uniform(0, 1000, 40)
    days = np.floor(np.r_[starts, starts + rng.integers(0, 3, 40)])  # each incident repeated within 2 days
    codes = np.r_[np.arange(40) % 8, np.arange(40) % 8]
    out = places.knox(codes, days, [7, 14, 30, 60], 99, 7)
    first = out[(out["scope"] == places.ALL_PLACES) & (out["days_from"] == 0)].iloc[0]
    assert first["ratio"] > 2 and first["p_value"] <= 0.02


def test_vectorised_mann_kendall_equals_scipy_kendalltau():
    from scipy import stats

    y = np.random.default_rng(0).poisson(2, (20, 18)).astype(float)
    tau, p = hs.mann_kendall_rows(y)
    for row, t, pv in zip(y, tau, p):
        expected = stats.kendalltau(np.arange(18), row, method="asymptotic")
        assert t == pytest.approx(expected.statistic) and pv == pytest.approx(expected.pvalue)


def test_fast_poisson_quantile_equals_scipy_ppf():
    from scipy import stats

    mu = np.r_[np.linspace(0.01, 40, 400), np.linspace(40, 3000, 200)]
    for prob in hs.FUNNEL_LIMITS.values():
        assert (hs._poisson_quantile(prob, mu)[0] == stats.poisson.ppf(prob, mu)).all()


def test_gi_star_rows_equals_esda_g_local_row_by_row_on_a_5x5_grid():
    codes, rows = _lattice_rows(5)
    w = hs.neighbour_weights(codes, rows)
    y = np.random.default_rng(8).poisson(3, (6, 25)).astype(float)
    y[1, :4] += 15  # a planted cluster
    y[4] = 2.0  # flat: no clustering to find
    y[5, 7] = np.nan  # an area without a rate spoils the whole set, as in gi_star
    z, p = hs.gi_star_rows(y, w)
    rook = libpysal.weights.lat2W(5, 5, rook=True)  # codes A00, A01, ... are lat2W's order
    for row in range(4):
        reference = esda.G_Local(y[row], rook, transform="B", star=True, permutations=0)
        np.testing.assert_allclose(z[row], reference.Zs, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(p[row], 2 * reference.p_norm, rtol=1e-12, atol=1e-15)
    assert (z[4:] == 0).all() and (p[4:] == 1).all()
    assert z[1, :3].min() > 1.96


def test_row_wise_fdr_and_qvalues_equal_the_one_family_versions():
    p = np.random.default_rng(4).uniform(size=(7, 60)) ** 4
    p[2, [3, 9]] = np.nan
    q = hs.bh_qvalues(p)
    for row in range(len(p)):
        np.testing.assert_array_equal(q[row], hs.bh_qvalues(p[row]))
        ok = np.isfinite(p[row])
        expected = hs.bh_qvalues(p[row][ok])
        np.testing.assert_array_equal(q[row][ok], expected)
        assert np.isnan(q[row][~ok]).all()
    clean = np.random.default_rng(6).uniform(size=(5, 40)) ** 5
    for alpha in (0.01, 0.05, 0.1):
        sig = hs.fdr_significant(clean, alpha)
        for row in range(len(clean)):
            assert (sig[row] == (clean[row] <= esda.fdr(clean[row], alpha))).all()


def test_poisson_limit_once_per_distinct_mean_equals_a_mean_by_mean_computation():
    from scipy import stats

    mu = np.r_[np.repeat([0.3, 4.0, 57.5], 3), 0.0, np.nan]
    for prob in hs.FUNNEL_LIMITS.values():
        limit = hs.poisson_limit(mu, prob)
        for m, value in zip(mu, limit):
            if not m > 0:
                assert np.isnan(value)
                continue
            r = stats.poisson.ppf(prob, m)
            expected = max(r - (stats.poisson.cdf(r, m) - prob) / stats.poisson.pmf(r, m), 0.0)
            assert value == pytest.approx(expected, rel=1e-12)


def test_emerging_labels_of_many_series_equal_their_one_by_one_labels():
    rng = np.random.default_rng(2)
    hot = rng.uniform(size=(400, 12)) < rng.uniform(0.05, 1.0, (400, 1))
    cold = rng.uniform(size=(400, 12)) < 0.05
    tau, p = rng.uniform(-1, 1, 400), rng.uniform(0, 0.1, 400)
    hot[0], hot[1], hot[2] = np.arange(12) < 11, np.arange(12) >= 9, np.arange(12) == 11
    labels = hs.emerging_labels(hot, cold, tau, p)
    assert set(labels) == set(hs.EMERGING_LABELS)
    for row in range(len(hot)):
        status = hot[row]
        # The definitions spelled out in emerging_labels' docstring, one series at a time.
        if not status.any():
            want = "No pattern"
        elif not status[-1]:
            want = "Historical" if status.mean() >= 0.9 else "No pattern"
        elif status.mean() >= 0.9:
            want = "Intensifying" if p[row] < 0.05 and tau[row] > 0 else "Diminishing" if p[row] < 0.05 else "Persistent"
        elif status.sum() == 1:
            want = "New"
        elif np.argmin(status[::-1]) >= 2 and status.sum() == np.argmin(status[::-1]):
            want = "Consecutive"
        else:
            want = "Oscillating" if cold[row].any() else "Sporadic"
        assert labels[row] == want, (status, cold[row], tau[row], p[row])


def test_postcode_populations_do_not_depend_on_row_order():
    import duckdb

    from pipelines.hotspots import postcodes

    rng = np.random.default_rng(9)
    lsoas = pd.DataFrame({"lsoa_code": [f"E{i:03d}" for i in range(40)], "children_10_17": rng.integers(50, 400, 40)})
    sectors = [f"HD{d} {s}" for d in range(1, 5) for s in range(1, 5)]
    pcs = pd.DataFrame({
        "postcode": [f"P{i}" for i in range(600)],
        "lsoa_code": rng.choice(lsoas["lsoa_code"], 600),
        "sector": rng.choice(sectors, 600),
    })
    pcs["district"] = pcs["sector"].str.split(" ").str[0]
    geo_sector = pd.DataFrame({"sector": sectors, "district": [s.split(" ")[0] for s in sectors],
                               "locality": ["South", "North"] * 8})
    results = []
    for seed in (1, 2):
        con = duckdb.connect()
        con.register("p", pcs.sample(frac=1, random_state=seed))
        con.execute("create table geo_postcode as select * from p")
        con.register("l", lsoas.sample(frac=1, random_state=seed))
        con.execute("create table geo_lsoa as select * from l")
        con.register("s", geo_sector.sample(frac=1, random_state=seed))
        con.execute("create table geo_sector as select * from s")
        results.append({level: postcodes.unit_population(con, level) for level in postcodes.LEVELS})
    for level in postcodes.LEVELS:
        pd.testing.assert_frame_equal(results[0][level], results[1][level], check_exact=True)
        # Every LSOA child is shared out: the units add up to the whole population.
        assert results[0][level]["children_10_17"].sum() == pytest.approx(lsoas["children_10_17"].sum())
    assert results[0]["district"]["locality"].tolist() == ["North"] * 4  # ties go to the first name
