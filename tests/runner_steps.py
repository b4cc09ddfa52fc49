"""Python build steps for tests/test_runner.py.

The runner decides that a step must wait for a background step when the step's module
names one of its tables, so this module spells the background table's name indirectly.
"""

import threading

BACKGROUND_TABLE = "_".join(["made", "in", "the", "background"])
started = threading.Event()
released = threading.Event()


def background(con):
    """Waits until the foreground step has run: it finishes only if both run at once."""
    started.set()
    if not released.wait(10):
        raise RuntimeError("the foreground step did not run while this one was running")
    con.execute(f"create or replace table {BACKGROUND_TABLE} as select 42 as answer")


def foreground(con):
    started.wait(10)
    released.set()
    con.execute("create or replace table made_in_the_foreground as select 1 as x")


def failing(con):
    raise ValueError("no data")


def quick(con):
    con.execute("create or replace table quick as select 1 as x")
