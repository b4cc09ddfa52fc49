"""The optional scale-out path (docs/scaling.md): the same ``sql/`` models on Spark SQL give
the build's tables. Skipped without ``requirements-scaleout.txt``; the Spark run (a JVM,
about 30 s) only with CONTEXTMAP_SPARK_TESTS=1 and Java installed."""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest

pytest.importorskip("sqlglot")

from contextmap import sqlfiles  # noqa: E402
from pipelines.bench import spark_sql  # noqa: E402
from pipelines.record_keys import DEMO_SALT  # noqa: E402


def test_the_record_key_translation_reads_the_digest_byte_duckdb_keeps():
    """Spark has no 128-bit md5_number: the translation takes the MD5 digest's first byte,
    which is the low byte of DuckDB's little-endian md5_number."""
    spark = spark_sql.to_spark("select cm_rkey(id) as k from t", DEMO_SALT, {"t": {"id": "VARCHAR"}}, params={})
    assert "MD5_NUMBER" not in spark.upper()
    assert "CONV(SUBSTRING(MD5('" + DEMO_SALT + "'||t.id),1,2),16,10)" in "".join(spark.split())
    con = duckdb.connect()
    sqlfiles.install_macros(con, DEMO_SALT)
    for key in ("a", "p-123", "offence:42"):
        rkey, digest = con.execute("select cm_rkey(?), md5(? || ?)", [key, DEMO_SALT, key]).fetchone()
        assert rkey == int(digest[:2], 16)


@pytest.mark.skipif(os.environ.get("CONTEXTMAP_SPARK_TESTS") != "1", reason="set CONTEXTMAP_SPARK_TESTS=1")
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java")
def test_spark_builds_identical_marts(sample_db, tmp_path):
    pytest.importorskip("pyspark")
    from pipelines.bench import spark

    models = ("int_episodes", "mart_episode_cells", "mart_offence_cells", "mart_monthly_area_counts")
    report = spark.run(sample_db, tmp_path, models)
    assert report["identical"] == sorted(models), report["models"]
    assert all(r["rows"] > 0 for r in report["models"].values())
