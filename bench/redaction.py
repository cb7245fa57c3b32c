"""The CPU of intake's redaction a registration (`shared.personal.redacted_texts`: the complainant's
patterns built, the three free texts redacted), in process, over `bench.history`'s forms.

    .venv/bin/python -m bench.redaction --forms 2000
    .venv/bin/python -m bench.redaction --forms 2000 --unique-names   # every complainant's name its own

bench.history draws names from a short list (their patterns repeat, and `re`'s own cache keeps some);
people's names do not: `--unique-names` adds two Chinese characters of its own to each. For the figure
before a change, copy this file into the other tree's `bench/` and run it from that tree.
"""

from __future__ import annotations

import os
import time

import typer

from shared import redaction
from shared.personal import FORM_TEXTS, SealedForm, _limits, personal_data, redacted_texts

from . import history

cli = typer.Typer(add_completion=False)


@cli.command()
def main(
    forms: int = typer.Option(2000, help="Registrations to redact."),
    unique_names: bool = typer.Option(False, help="Give every complainant a name of their own."),
) -> None:
    redaction._converters()  # the Chinese script converters: once a process, left out of the figure
    planned = [p.form for p in history.history(forms, history.office_ids(24))]
    limits = _limits(SealedForm, FORM_TEXTS)
    start = time.process_time()
    for n, form in enumerate(planned):
        data = personal_data(form)
        if unique_names:
            own = chr(0x4E00 + n % 20000) + chr(0x4E00 + (n * 7) % 20000)
            data = data.model_copy(update={"name": f"{data.name} {own}"})
        redacted_texts({f: str(getattr(form, f)) for f in FORM_TEXTS}, data, limits)
    cpu = time.process_time() - start
    names = " (unique names)" if unique_names else ""
    print(f"{forms:,} registrations{names}: {1000 * cpu / forms:.3f} ms of CPU each; load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    cli()
