"""``python -m pipelines.bench.spark --db BUILD``: the same ``sql/`` models on Spark SQL.

The path for a user who outgrows one machine (docs/scaling.md): the inputs of a set of
models are exported from a finished build to partitioned Parquet, each model is
translated to Spark SQL (``spark_sql``) and run by a local Spark session in build order,
its result written as Parquet and compared row for row with the build's table. DuckDB
runs the same models over the same Parquet for the time beside Spark's.

Optional: needs ``requirements-scaleout.txt`` and Java; nothing else imports it.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from contextmap import sqlfiles
from pipelines import runner
from pipelines.bench import parquet, spark_sql
from pipelines.record_keys import DEMO_SALT
from pipelines.step_types import Sql
from pipelines.steps import STEPS

# Every SQL model of the build except three that do not translate (docs/scaling.md says why).
UNTRANSLATED = ("mart_area_episode_themes", "mart_peer_groups", "mart_peer_group_monthly")
MODELS = tuple(s.tables[0] for s in STEPS if isinstance(s, Sql) and s.tables[0] not in UNTRANSLATED
               and not s.path.startswith("staging/"))
# Significant digits floats are compared to: a relative tolerance of about 1e-9.
FLOAT_DIGITS = 9


def plan(models: tuple[str, ...] = MODELS) -> list[Sql]:
    """The SQL steps building ``models``, in build order."""
    steps = [s for s in STEPS if isinstance(s, Sql) and s.tables[0] in models]
    missing = set(models) - {s.tables[0] for s in steps}
    if missing:
        raise ValueError(f"not SQL models of the build: {sorted(missing)}")
    return steps


def inputs(steps: list[Sql], tables: set[str]) -> list[str]:
    """The build's tables that ``steps`` read but do not make."""
    made = {s.tables[0] for s in steps}
    text = "\n".join(sqlfiles.read(s.path) for s in steps)
    return sorted(t for t in tables - made if re.search(rf"\b{t}\b", text))


def session(cores: int = 2):
    """A local Spark session (``local[cores]``), its clock in UTC like the build's timestamps."""
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(f"local[{cores}]").appName("contextmap-scaleout")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.session.timeZone", "UTC")
             # A handful of tasks per shuffle suits one machine; a cluster keeps the default 200.
             .config("spark.sql.shuffle.partitions", str(cores * 2))
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _register(spark, folder: Path, columns: list[str], part: str | None) -> None:
    """A Parquet folder as a temp view with the build's column order (partition columns
    come last in Spark and are read back as dates, as DuckDB wrote them)."""
    df = spark.read.parquet(str(folder))
    if part:
        df = df.withColumn(part, df[part].cast("date"))
    df.select(*[f"`{c}`" for c in columns]).createOrReplaceTempView(folder.name)


def _columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_name = ? and table_schema = 'main' "
        "order by ordinal_position", [table]).fetchall()]


def schema(db: Path) -> dict[str, dict[str, str]]:
    """Every table of a build with its columns and DuckDB types, in column order."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("select table_name, column_name, data_type from information_schema.columns "
                           "where table_schema = 'main' order by table_name, ordinal_position").fetchall()
    finally:
        con.close()
    out: dict[str, dict[str, str]] = {}
    for table, column, kind in rows:
        out.setdefault(table, {})[column] = kind
    return out


def run_spark(spark, steps: list[Sql], parquet_dir: Path, layout: dict, db: Path, out: Path,
              salt: str) -> dict[str, float | str]:
    """Register the exported inputs, run ``steps`` in Spark writing each to ``out``; return
    seconds per model, or Spark's error for a model it could not run."""
    tables = schema(db)
    for table, part in layout.items():
        _register(spark, parquet_dir / table, list(tables[table]), part)
    seconds = {}
    for step in steps:
        table = step.tables[0]
        sql = spark_sql.to_spark(sqlfiles.read(step.path), salt, tables)
        started = time.perf_counter()
        try:
            spark.sql(sql).write.mode("overwrite").parquet(str(out / table))
        except Exception as exc:  # Spark's analysis and parse errors: reported, the run goes on
            seconds[table] = str(exc).strip().splitlines()[0]
            continue
        spark.read.parquet(str(out / table)).createOrReplaceTempView(table)
        seconds[table] = time.perf_counter() - started
    return seconds


def run_duckdb(steps: list[Sql], parquet_dir: Path, layout: dict, db: Path, work: Path,
               salt: str) -> dict[str, float]:
    """Run ``steps`` in DuckDB over the same Parquet inputs; return seconds per model."""
    path = parquet.catalog(parquet_dir, layout, work / "inputs.duckdb", db)
    con = duckdb.connect(str(path))
    try:
        runner.configure(con)
        sqlfiles.install_macros(con, salt)
        seconds = {}
        for step in steps:
            started = time.perf_counter()
            runner.build_model(con, step)
            seconds[step.tables[0]] = time.perf_counter() - started
    finally:
        con.close()
    return seconds


def _canon(value):
    """A value comparable across engines: numbers as floats to FLOAT_DIGITS, lists as tuples."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, Decimal)):
        x = float(value)
        return x if x == 0 or not math.isfinite(x) else float(f"{x:.{FLOAT_DIGITS - 1}e}")
    if isinstance(value, (list, tuple)):
        return tuple(_canon(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _canon(v)) for k, v in value.items()))
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def compare(db: Path, table: str, folder: Path) -> dict:
    """Compare a build table with Spark's Parquet output as multisets of rows."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute("set time zone 'UTC'")
        cols = _columns(con, table)
        got = con.execute(f"select * from read_parquet('{folder}/*.parquet') limit 0").description
        spark_cols = [c[0] for c in got]
        select = ", ".join(f'"{c}"' for c in cols)
        expected = Counter(tuple(map(_canon, r)) for r in con.execute(f"select {select} from {table}").fetchall())
        actual = Counter(tuple(map(_canon, r)) for r in con.execute(
            f"select {select} from read_parquet('{folder}/*.parquet')").fetchall()) if set(cols) <= set(spark_cols) \
            else Counter()
    finally:
        con.close()
    return {
        "rows": sum(expected.values()),
        "spark_rows": sum(actual.values()),
        "columns_match": cols == spark_cols,
        "only_in_build": sum((expected - actual).values()),
        "only_in_spark": sum((actual - expected).values()),
    }


def run(db: Path, work: Path, models: tuple[str, ...] = MODELS, salt: str = DEMO_SALT) -> dict:
    """Export the inputs of ``models`` from build ``db`` under ``work``, run them in Spark
    and DuckDB, and compare each result with the build.

    ``salt`` is the build's record-key salt (``pipelines.record_keys.salt`` of its key;
    the demo salt for sample and synthetic builds).
    """
    import pyspark

    for folder in ("inputs", "spark"):
        shutil.rmtree(work / folder, ignore_errors=True)
    steps = plan(models)
    needed = inputs(steps, set(schema(db)))
    started = time.perf_counter()
    layout = parquet.export(db, work / "inputs", tables=needed)
    export_s = time.perf_counter() - started
    started = time.perf_counter()
    spark = session()
    start_s = time.perf_counter() - started
    try:
        spark_s = run_spark(spark, steps, work / "inputs", layout, db, work / "spark", salt)
    finally:
        spark.stop()
    duck_s = run_duckdb(steps, work / "inputs", layout, db, work, salt)
    results = {}
    for table in (s.tables[0] for s in steps):
        if isinstance(spark_s[table], str):
            results[table] = {"error": spark_s[table], "duckdb_s": duck_s[table]}
        else:
            results[table] = {**compare(db, table, work / "spark" / table),
                              "spark_s": spark_s[table], "duckdb_s": duck_s[table]}
    return {
        "versions": {"pyspark": pyspark.__version__, "sqlglot": spark_sql.sqlglot.__version__,
                     "duckdb": duckdb.__version__, "java": _java()},
        "inputs": needed, "export_s": export_s, "spark_start_s": start_s,
        "spark_total_s": sum(v for v in spark_s.values() if not isinstance(v, str)),
        "duckdb_total_s": sum(duck_s.values()),
        "models": results,
        "identical": sorted(t for t, r in results.items() if _identical(r)),
    }


def _identical(result: dict) -> bool:
    return "error" not in result and result["columns_match"] and result["rows"] == result["spark_rows"] \
        and not result["only_in_build"] and not result["only_in_spark"]


def _java() -> str:
    done = subprocess.run(["java", "-version"], capture_output=True, text=True)
    return (done.stderr or done.stdout).splitlines()[0] if done.returncode == 0 else "not found"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a finished build (.duckdb)")
    parser.add_argument("--work", type=Path, default=Path("build/bench/spark"), help="folder for the Parquet files")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated model names")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    report = run(args.db, args.work, tuple(m.strip() for m in args.models.split(",") if m.strip()))
    print(json.dumps(report["versions"]))
    print(f"export {report['export_s']:.1f} s, Spark start {report['spark_start_s']:.1f} s")
    print(f"{'model':32} {'rows':>9} {'differ':>7} {'Spark s':>8} {'DuckDB s':>9}")
    for table, r in report["models"].items():
        if "error" in r:
            print(f"{table:32} Spark could not run it: {r['error']}")
            continue
        differ = r["only_in_build"] + r["only_in_spark"] if r["columns_match"] else "columns"
        print(f"{table:32} {r['rows']:>9,} {differ:>7} {r['spark_s']:>8.2f} {r['duckdb_s']:>9.3f}")
    print(f"{'total':32} {'':>9} {'':>7} {report['spark_total_s']:>8.2f} {report['duckdb_total_s']:>9.3f}")
    print(f"identical: {len(report['identical'])} of {len(report['models'])}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    return 0 if len(report["identical"]) == len(report["models"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
