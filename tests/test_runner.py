"""Background build steps: they run alongside later steps and are waited for when needed."""

import duckdb
import pytest
import runner_steps

from pipelines.runner import StepError, run_steps
from pipelines.step_types import Py


def reader(con):
    """Names made_in_the_background, so the runner waits for that step before this one."""
    con.execute("create or replace table read_it as select answer from made_in_the_background")


def test_a_background_step_runs_while_later_steps_run_and_a_reader_waits_for_it():
    runner_steps.started.clear()
    runner_steps.released.clear()
    con = duckdb.connect()
    lines = []
    run_steps(con, [
        Py("runner_steps:background", (runner_steps.BACKGROUND_TABLE,), background=True),
        Py("runner_steps:foreground", ("made_in_the_foreground",)),
        Py("test_runner:reader", ("read_it",)),
    ], progress=lines.append)
    assert con.execute("select answer from read_it").fetchall() == [(42,)]
    assert lines[0].startswith("  made_in_the_foreground 1 rows")
    assert lines[1].startswith("  made_in_the_background 1 rows") and lines[1].endswith("s in the background)")


def test_a_failing_background_step_fails_the_run_naming_the_step():
    con = duckdb.connect()
    with pytest.raises(StepError, match=r"runner_steps:failing failed: no data"):
        run_steps(con, [Py("runner_steps:failing", ("never",), background=True),
                        Py("runner_steps:quick", ("quick",))], progress=lambda *_: None)
