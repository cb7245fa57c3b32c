"""The whole-system benchmark runs end to end at a tiny size on the real broker: every process starts,
the history flows through all six services, each measurement produces its figure. No figure is judged
here (timings belong to docs/performance.md, not to tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import report, system
from bench.processes import SERVICES
from tests.fixtures.reading_model import keep_reading_model

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.timeout(240)]


def test_a_tiny_whole_system_run_measures_everything(kafka_bootstrap: str, tmp_path: Path) -> None:
    keep_reading_model(tmp_path)  # triage's three processes read it rather than each train it
    results = system.run(
        kafka_bootstrap,
        tmp_path,
        complaints=12,
        store="sqlite",
        offices=4,
        latency_count=4,
        surge=8,
        surge_window=2.0,
        lifecycle_count=0,
        skip_replay=True,
        timeout=180,
        restart=False,
    )
    sustained = results["sustained"]
    assert set(sustained["services"]) == set(SERVICES)
    assert all(s["messages"] > 0 for s in sustained["services"].values()), sustained  # all six did work
    assert sustained["services"]["intake"]["messages"] >= 12
    assert results["raw_commit"]["rows_per_s"] > 0
    assert results["latency"]["triaged"] is not None, "every POSTed complaint was seen triaged on the stream"
    assert results["surge"]["count"] == 8
    assert all(rss for rss in results["peak_rss_load"].values())
    assert next(row[0] for row in report.rows(results)).startswith("sustained complaints/s")
