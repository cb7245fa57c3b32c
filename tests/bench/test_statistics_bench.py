"""`bench.statistics` at a small size: it fills a store as the read side does and the SQL statistics
equal the in-memory reading over it (the bench broke once when the summary row grew a column)."""

from __future__ import annotations

from pathlib import Path

from bench.statistics import fill, request
from services.projection.settings import ProjectionSettings


def test_the_statistics_bench_fills_a_store_whose_sql_figures_equal_the_in_memory_reading(tmp_path: Path) -> None:
    overrides = {"store": "sqlite", "state_dir": str(tmp_path)}
    fill(ProjectionSettings(**overrides), complaints=60, offices=2, batch=25)
    now = "2027-01-15T00:00:00+00:00"
    memory = request(overrides, "memory", "group", "office-000", now)["result"]
    sql = request(overrides, "sql", "group", "office-000", now)["result"]
    assert sql == memory
    assert sql["complaints"] == 60, sql
