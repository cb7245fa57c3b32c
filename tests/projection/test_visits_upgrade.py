"""Every return visit counted, and invalid complaints' states, through the read side on SQLite and
PostgreSQL: a reopened complaint's first, dissatisfied visit stays in the satisfaction figures after
its second visit, and a read side written before `projection_statistics_visits` (and before the
invalid states) gets the table, its rows and the states once, at the next start, equal to a read side
written with them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from services.projection import bootstrap
from services.projection.adapters.readside import VISITS_REFOLDED
from services.projection.settings import ProjectionSettings
from tests.projection.scenario import build
from tests.projection.support import feed
from tests.projection.test_invalid_and_visits import reopened_then_satisfied
from tests.sla_feed import sla_events
from tests.support import write_keys


def test_every_visit_counts_and_an_older_read_side_is_upgraded_at_start(store_settings: dict[str, Any]) -> None:
    folder: Path = store_settings["state_dir"]
    settings = ProjectionSettings(**store_settings, keys_file=folder / "keys.json")
    write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    scenario = build("visits", per_office=6)
    try:
        feed(app, scenario.events())
        before = app.statistics(None, scenario.now)["satisfaction"]
        reopened = reopened_then_satisfied(7)
        feed(app, reopened.events + sla_events(reopened.events))
        after = app.statistics(None, scenario.now)["satisfaction"]
        # both visits of the reopened complaint: the dissatisfied one and the satisfied one
        assert (after["rated"], after["dissatisfied"], after["satisfied"]) == (
            before["rated"] + 2,
            before["dissatisfied"] + 1,
            before["satisfied"] + 1,
        )
        invalid = {str(s.complaint_id) for s in scenario.stories if s.validity == "invalid"}
        assert invalid
        written = app.read.dump()
        assert {row[0] for row in written["subjects"] if row[4] in ("declined", "explained")} == invalid
        assert len([r for r in written["visits"] if r[0] == str(reopened.complaint_id)]) == 2

        # As a read side written before: no visit rows, the old states, folded facts without visits
        with app.read.db.transaction(write=True) as cursor:
            cursor.execute("DROP TABLE projection_statistics_visits")
            cursor.execute("DELETE FROM projection_position WHERE name = ?", (VISITS_REFOLDED,))
            for row in cursor.all("SELECT subject_id, folded FROM projection_subjects WHERE folded IS NOT NULL"):
                facts = json.loads(app.read._open(row["folded"]))
                if not facts["visits"] and facts["validity"] != "invalid":
                    continue  # nothing of it changed: not refolded (its defaults read the same)
                for name in ("visits", "validity_judged_at", "validity_reason"):
                    facts.pop(name, None)
                cursor.execute(
                    "UPDATE projection_subjects SET folded = ?, state = CASE WHEN validity = 'invalid' "
                    "THEN 'replied' ELSE state END WHERE subject_id = ?",
                    (app.read._seal(json.dumps(facts)), row["subject_id"]),
                )
    finally:
        app.close()
    upgraded = bootstrap.application(settings)
    try:
        assert upgraded.read.dump() == written
        assert upgraded.statistics(None, scenario.now)["satisfaction"] == after
    finally:
        upgraded.close()
    bootstrap.application(settings).close()  # once: the marker row stops a second refold
