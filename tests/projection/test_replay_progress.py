"""An auditor's replay of hours, run where there is no terminal (a log file, a scheduler), still says
how far it has got: a line every so often, where rich would draw nothing until the end."""

from __future__ import annotations

import pytest
from rich.progress import Progress

from services.projection.entrypoints import audit


def test_away_from_a_terminal_the_replay_reports_its_progress_in_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert not audit.console.is_terminal
    with Progress(console=audit.console) as bar:
        task = bar.add_task("replay: store", total=17_010)
        shown = audit._Reported(bar, every=0.0)
        shown.update(task, 5_000)
        shown.update(task, 12_345)
        quiet = audit._Reported(bar, every=3600.0)
        quiet.update(task, 13_000)  # within its interval: nothing printed
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("replay: store:")]
    assert [line.split(" after ")[0] for line in lines] == [
        "replay: store: 5,000 of 17,010",
        "replay: store: 12,345 of 17,010",
    ]
