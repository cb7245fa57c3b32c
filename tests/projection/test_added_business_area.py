"""A business area the group added to triage's rules is counted like any other: statistics, Pareto
shares and the complaint filter name it, with no list of areas in the projection to update."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from services.projection import bootstrap
from services.projection.settings import ProjectionSettings
from tests.projection.scenario import START, Story
from tests.projection.support import feed


def test_an_added_area_is_counted_in_the_statistics(tmp_path: Path) -> None:
    app = bootstrap.application(ProjectionSettings(store="memory", state_dir=tmp_path, office_units={}))
    try:
        stories = [
            Story("pets", "kln-east", n, START + timedelta(minutes=n), area=area)
            for n, area in enumerate(["pets", "pets", "sanitation"], start=1)
        ]
        feed(app, [event for story in stories for event in story.tell()])
        now = START + timedelta(days=3)

        stats = app.statistics(None, now)

        assert [(c["category"], c["count"]) for c in stats["categories"]] == [("pets", 2), ("sanitation", 1)]
    finally:
        app.close()
