"""After an erasure the office-facing topic keeps no record intake has handled (their forms are stored
sealed), and keeps those it has not handled yet. On the real broker."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from services.intake import bootstrap
from services.intake.adapters.office_topic import signed_submission
from services.intake.adapters.office_topic_prune import handled_positions, prune_handled
from services.intake.settings import IntakeSettings
from shared.contracts import RegistrationForm
from shared.contracts.topics import OFFICE_REGISTRATIONS
from shared.keyring import KeyringSettings
from tests.intake.test_office_topic import publish
from tests.kafka_support import read_to_end, run_until
from tests.support import T0, form, write_keys, write_signing_keys

pytestmark = pytest.mark.kafka


async def test_an_erasure_deletes_the_handled_office_records_only(kafka_bootstrap: str, tmp_path: Path) -> None:
    write_keys(tmp_path / "keys.json")
    signers = write_signing_keys(tmp_path / "signing.json")
    settings = IntakeSettings(
        store="sqlite",
        state_dir=tmp_path,
        keys_file=tmp_path / "keys.json",
        office_signing_keys_file=tmp_path / "signing.json",
        kafka_bootstrap_servers=kafka_bootstrap,
        keyring=KeyringSettings(sqlite_path=tmp_path / "keyring.sqlite"),
    )
    tag = uuid.uuid4().hex[:8]
    good = signed_submission(signers["hk-central"], RegistrationForm(**form(f"{tag}-1")))
    forged = signed_submission(signers["kln-east"], RegistrationForm(**form(f"{tag}-2")), office_id="hk-central")
    key = tag.encode()  # one partition, in order
    app = bootstrap.application(settings)
    assert (await prune_handled(app, kafka_bootstrap)).low_watermarks == {}  # nothing handled: no broker call

    await publish(kafka_bootstrap, [type(good)(key, m.value, m.headers) for m in (good, forged)])
    worker = bootstrap.office_topic_consumer(settings, app, clock=lambda: T0 + timedelta(hours=1))
    await run_until(lambda: worker.progress.handled + worker.progress.dead_lettered >= 2, worker.run)
    [(partition, offset)] = [(p, o) for p, o in handled_positions(app).items() if o is not None]
    later = signed_submission(signers["hk-central"], RegistrationForm(**form(f"{tag}-3")))
    await publish(kafka_bootstrap, [type(later)(key, later.value, later.headers)])  # the worker is stopped

    pruned = await prune_handled(app, kafka_bootstrap)
    assert pruned.error is None and pruned.low_watermarks[partition] == offset + 1
    left = await read_to_end(kafka_bootstrap, OFFICE_REGISTRATIONS.name, keep=lambda r: r.key == key)
    # the registration and the refused one, both stored sealed, are gone; the unhandled one stays
    assert [r.value for r in left] == [later.value]
    app.close()
