"""What a search costs when a query word names a facility (`domain/search.py`: "lift" asks for every
word of the lift, "食水" for every word of the water supply), against the same query asking for its own
word only, back to back on the same store.

`projection_subjects` and `projection_search` are filled straight in SQL with `--rows` complaints of
one office, each with a short text made of everyday words and, in most, one facility word of the
vocabulary (`shared/contracts/facilities.py`) in English, Simplified or Traditional Chinese, indexed by
`document_terms` as the read side indexes them. Then one office's first page (50) and its total, each
query the median of `--repeat` runs, with the expansion and without it, alternately (PostgreSQL
analysed after the fill).

    .venv/bin/python -m bench.search_words                   # 50,000 complaints, SQLite
    .venv/bin/python -m bench.search_words --store postgres  # a fresh database on the local test server
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import opencc

from bench.list_pages import projection_settings
from services.projection import bootstrap
from services.projection.adapters.readside_queries import Filters
from services.projection.adapters.tables import folded_json, instant_key
from services.projection.domain import search
from services.projection.domain.view import ComplaintView
from shared.contracts.facilities import FACILITIES

EVERYDAY = ("the", "again", "broken", "since", "morning", "please", "fix", "door", "car", "water", "corridor",
            "大堂", "走廊", "壞咗", "好嘈", "今日", "住客", "投訴", "管理處")  # fmt: skip
QUERIES = ("lift", "食水", "car park", "停車場", "water", "corridor", "消防 走廊")


def texts(rows: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    t2hk = opencc.OpenCC("s2hk")
    words = [w for f in FACILITIES for w in f.words]
    out = []
    for _ in range(rows):
        said = [rng.choice(EVERYDAY) for _ in range(rng.randint(3, 8))]
        if rng.random() < 0.8:
            word = rng.choice(words)
            said.insert(rng.randrange(len(said) + 1), str(t2hk.convert(word)) if rng.random() < 0.5 else word)
        out.append(" ".join(said))
    return out


def fill(app: Any, rows: int) -> None:
    db = app.read.db
    folded = folded_json(ComplaintView(complaint_id=uuid.uuid4(), office_id="hk-central"))
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with db.transaction(write=True) as cursor:
        subjects, terms = [], []
        for n, text in enumerate(texts(rows)):
            subject = str(uuid.UUID(int=n))
            subjects.append((subject, "complaint", "hk-central", 1, "closed", n + 1,
                             instant_key(start + timedelta(minutes=3 * n)), folded))  # fmt: skip
            doc = search.document_terms(complaint_id=subject, office_reference=f"HK-{n}", texts=[text],
                                        name=None, contact=None, unit=None)  # fmt: skip
            terms += [(app.read._term_key(t), subject, 0) for t in sorted(doc.public)]
            if len(subjects) == 5000 or n == rows - 1:
                cursor.executemany(
                    "INSERT INTO projection_subjects (subject_id, kind, office_id, registered, state, "
                    "sequence_number, received_key, folded) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    subjects,
                )
                cursor.executemany("INSERT INTO projection_search (term, subject_id, personal) VALUES (?, ?, ?)", terms)
                subjects, terms = [], []
        if db.postgres:  # the planner's statistics of the rows just written, as autovacuum would gather
            cursor.execute("ANALYZE projection_subjects")
            cursor.execute("ANALYZE projection_search")


def paired(calls: dict[bool, Callable[[], object]], repeat: int) -> dict[bool, float]:
    """The median of `repeat` runs of each call, the two alternated (and the first of each pair swapped
    every round), so a moment of load or a warm cache favours neither."""
    times: dict[bool, list[float]] = {key: [] for key in calls}
    for round_ in range(repeat):
        for key in sorted(calls, reverse=bool(round_ % 2)):
            began = time.perf_counter()
            calls[key]()
            times[key].append(time.perf_counter() - began)
    return {key: statistics.median(t) * 1000 for key, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with projection_settings(args.store) as settings:
        app = bootstrap.application(settings)
        fill(app, args.rows)
        read, now = app.read, datetime(2030, 1, 1, tzinfo=UTC)
        named = search._named_facilities
        print(f"{args.rows} complaints, {args.store}; load average {os.getloadavg()[0]:.2f} at the start")
        print(f"{'query':<12} {'page ms (own word / facility)':>30} {'total ms':>20} {'found':>16}")
        for q in QUERIES:
            asked = {}
            for expanded in (False, True):
                search._named_facilities = named if expanded else (lambda text: [])
                asked[expanded] = Filters("hk-central", search=search.query_terms(q), personal=True)
            search._named_facilities = named
            page = paired({e: (lambda f=f: read.page(f, now, "office", 50)) for e, f in asked.items()}, args.repeat)
            total = paired({e: (lambda f=f: read.count(f, now)) for e, f in asked.items()}, args.repeat)
            found = {e: read.count(f, now) for e, f in asked.items()}
            print(f"{q:<12} {page[False]:>14.1f} / {page[True]:<14.1f} {total[False]:>9.1f} / {total[True]:<9.1f}"
                  f" {found[False]:>7} / {found[True]:<7}")  # fmt: skip
        print(f"load average {os.getloadavg()[0]:.2f} at the end")
        app.close()


if __name__ == "__main__":
    main()
