"""Each of triage's three processes opens what its job needs: the worker judges (the reading model and
the rules file), the HTTP app records decisions and new rules (the model's name, not the model), the
relay publishes (neither). Rules adopted by any of them are one version, whichever starts first."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from services.triage import bootstrap
from services.triage.application import TriageApplication
from services.triage.settings import TriageSettings
from tests.support import T0

Open = Callable[[TriageSettings], TriageApplication]
WORKER_FIRST = (bootstrap.application, bootstrap.deciding_application)
HTTP_FIRST = (bootstrap.deciding_application, bootstrap.application)


@pytest.mark.parametrize("first, second", [WORKER_FIRST, HTTP_FIRST], ids=["worker-first", "http-first"])
def test_the_http_app_adopts_the_worker_s_rules_version_without_loading_the_model(
    store_settings: dict[str, Any], first: Open, second: Open
) -> None:
    settings = TriageSettings(**store_settings)
    apps = {open_app: open_app(settings) for open_app in (first, second)}
    worker, http = apps[bootstrap.application], apps[bootstrap.deciding_application]
    try:
        assert worker.reading_model is not None and http.reading_model is None
        assert http.current_rules().version == worker.current_rules().version == 1
        assert http.current_rules().data["model"]["corpus"] == worker.reading_model.identity

        # New rules through the HTTP app (`PUT /rules`) still name the model the worker judges with:
        # a rules version without it would turn the model off for every later complaint.
        rules = worker.current_rules().data
        changed = {**rules, "incidents": {**rules["incidents"], "window_minutes": 90}}
        version = http.adopt_rules(changed, "group/manager", "manager", "a longer incident window", T0)
        assert version == 2
        assert worker.current_rules().data["model"]["corpus"] == worker.reading_model.identity
    finally:
        for app in apps.values():
            app.close()


def test_the_relay_adopts_no_rules(store_settings: dict[str, Any]) -> None:
    relay = bootstrap.publishing_application(TriageSettings(**store_settings))
    try:
        assert relay.reading_model is None and relay.model_identity is None
        assert relay.process_recorder.select_notifications(1, 10) == []  # nothing recorded by opening it
    finally:
        relay.close()


def test_neither_the_relay_nor_the_http_app_imports_scikit_learn(tmp_path: Path) -> None:
    """A fresh interpreter, as each process starts: scikit-learn costs seconds and ~100 MB to import."""
    script = f"""
import json, sys
from services.triage import bootstrap
from services.triage.entrypoints import http, relay
from services.triage.settings import TriageSettings
settings = TriageSettings(store="sqlite", state_dir={str(tmp_path)!r})
for open_app in (bootstrap.deciding_application, bootstrap.publishing_application):
    open_app(settings).close()
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in ("sklearn", "scipy"))))
"""
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout.splitlines()[-1]) == []
