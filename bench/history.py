"""A realistic group history for the benchmark: many offices, complaints in English, Traditional and
Simplified Chinese (the texts of triage's labelled corpus), power outages (several customers of one
building within minutes), and a few cases worked to the end: re-graded by a supervisor, reopened
after a dissatisfied return visit.

Complaints enter as an office system sends them: signed `RegistrationSubmitted` messages on the office
topic (`complaints.office.registrations`), built through `shared/contracts` so every one is valid and
intake checks each signature. So the history reaches every service through its public inputs, whatever
its size, without HTTP in the way; the HTTP path is measured separately (latency, lifecycle).
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shared.auth import DEV_OFFICES
from shared.contracts import RegistrationForm, WireMessage
from shared.signing import OfficeSigner, add_public_record, new_signing_key

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "services" / "triage" / "corpus"
LANGUAGES = ("en", "zh-hant", "zh-hans")

# Outages: a sudden failure of one building that several customers report within minutes, in their
# own words (the texts a triage rule for a mass incident must recognise).
OUTAGE_TEXTS = (
    ("Power supply", "Sudden power failure in the whole block; lifts and lights are off.", "Restore power now."),
    ("Power supply", "There is a power cut in our building since 7 pm, the lift stopped.", "Explain the cause."),
    ("電力供應", "成座大廈突然停電,電梯停頓,家中有長者。", "請盡快恢復供電。"),
    ("电力供应", "整栋楼突然停电,电梯停了,走廊一片漆黑。", "请尽快恢复供电并说明原因。"),
    ("Water supply", "No water in the whole building since this morning, no notice was posted.", "Restore water."),
    ("食水供應", "全座冇水成個朝早,管理處冇出通告。", "請盡快恢復供水。"),
)
CHANNELS = ("phone", "walk-in", "app", "text", "letter", "email")
NAMES = (
    "Chan Tai Man",
    "Wong Siu Ming",
    "Lee Ka Yan",
    "陳大文",
    "黃志強",
    "李晓华",
    "Zhang Wei",
    "劉芳",
    "Ho Wing Sze",
)


@dataclass(frozen=True)
class Texts:
    """The corpus's forms (object, description, request) by language."""

    by_language: dict[str, list[dict[str, str]]]

    @classmethod
    def load(cls, folder: Path = CORPUS) -> Texts:
        found: dict[str, list[dict[str, str]]] = {}
        for language in LANGUAGES:
            lines = (folder / f"{language}.jsonl").read_text(encoding="utf-8").splitlines()
            found[language] = [json.loads(line)["form"] for line in lines if line.strip()]
        return cls(found)


def office_ids(count: int) -> list[str]:
    """The development offices (they have HTTP keys) first, then numbered ones: a group of `count`."""
    extra = [f"office-{n:03d}" for n in range(1, max(0, count - len(DEV_OFFICES)) + 1)]
    return [*DEV_OFFICES, *extra][:count]


def signing_keys(offices: list[str], public_keys: Path) -> dict[str, OfficeSigner]:
    """One Ed25519 key per office system: the private halves here, the public file for intake."""
    signers = {}
    for office in offices:
        signers[office], record = new_signing_key(office)
        add_public_record(public_keys, record)
    return signers


@dataclass(frozen=True)
class Planned:
    office_id: str
    form: RegistrationForm
    outage: bool


def history(count: int, offices: list[str], seed: int = 7, now: datetime | None = None) -> Iterator[Planned]:
    """`count` complaints spread over the offices; about one in twenty belongs to an outage of six
    complaints from one building (two offices where the group has several). Received in the last days."""
    rng = random.Random(seed)
    texts = Texts.load()
    now = now or datetime.now(UTC)
    run = uuid.uuid4().hex[:6]
    made = 0
    while made < count:
        if rng.random() < 1 / 20 and count - made >= 6:
            block = rng.randint(1, 40)
            pair = rng.sample(offices, 2) if len(offices) > 1 else offices * 2
            received = now - timedelta(minutes=rng.randint(5, 60 * 24 * 3))
            for n in range(6):
                obj, description, request = OUTAGE_TEXTS[n % len(OUTAGE_TEXTS)]
                office = pair[n % 2]
                yield Planned(office, _form(rng, office, run, made, received, obj, description, request, block), True)
                made += 1
            continue
        office = rng.choice(offices)
        text = rng.choice(texts.by_language[rng.choice(LANGUAGES)])
        received = now - timedelta(minutes=rng.randint(5, 60 * 24 * 3))
        yield Planned(
            office,
            _form(rng, office, run, made, received, text["object"], text["description"], text["customer_request"]),
            False,
        )
        made += 1


def _form(
    rng: random.Random,
    office: str,
    run: str,
    n: int,
    received: datetime,
    obj: str,
    description: str,
    request: str,
    block: int | None = None,
) -> RegistrationForm:
    block = block or rng.randint(1, 40)
    return RegistrationForm(
        office_reference=f"BENCH-{run}-{n:07d}",
        complainant={"name": rng.choice(NAMES), "contact": f"+852 61{rng.randint(0, 9999999) % 10**6:06d}"},
        unit_address=f"Block {block}, {rng.randint(1, 40)}/F, Flat {rng.choice('ABCDEFGH')}, Estate of {office}",
        channel=rng.choice(CHANNELS),
        occurred_at=received - timedelta(minutes=rng.randint(1, 120)),
        received_at=received,
        object=(obj or "Estate services")[:300],
        description=(description or "See the attached note.")[:4000],
        customer_request=(request or "Please follow up.")[:2000],
        received_by=f"{office} reception",
    )


def submissions(planned: Iterable[Planned], signers: dict[str, OfficeSigner]) -> Iterator[WireMessage]:
    """Each complaint as its office system publishes it: signed, through the office topic's contract."""
    from services.intake.adapters.office_topic import signed_submission  # what an office system runs

    for p in planned:
        yield signed_submission(signers[p.office_id], p.form)
