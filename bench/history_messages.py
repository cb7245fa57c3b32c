"""What one history message costs the projection relay as a complaint grows (issue 10, item 6).

For each event the projection relay publishes the complaint's whole history as it stood after that
event (`complaints.projection.complaint-history`, compacted: the latest history of each complaint). This
measures, in one process and without a broker, the relay's translation of one event into that message
and its encoding (what `OutboxRelay._encoded` does before signing) at growing complaint lengths: the
CPU µs an event and the message's bytes. A complaint grows here by repeated follow-up replies (fresh
ids, each later than the last), as a long-running complaint's clock and follow-up events would.

    .venv/bin/python -m bench.history_messages                 # lengths 20, 100, 400
    .venv/bin/python -m bench.history_messages --lengths 20,200,800 --timed 50
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from services.projection import bootstrap
from services.projection.adapters.outbound import ProjectionTranslator
from services.projection.domain.records import Record
from services.projection.settings import ProjectionSettings
from shared.contracts import derived_id, encode
from shared.contracts.projection import ComplaintHistoryUpdated
from tests.projection.scenario import START, Story
from tests.projection.support import feed


def long_story(length: int) -> list:
    """One complaint's events, grown to `length` by repeated replies after its last event."""
    story = Story("hist", "hk-central", 1, START)
    events = story.tell()
    last = max(events, key=lambda e: e.occurred_at)
    reply = next(e for e in events if e.type.endswith("CustomerReplied"))
    extra = [
        reply.model_copy(
            update={
                "event_id": derived_id("bench-reply", story.complaint_id, n),
                "occurred_at": last.occurred_at + timedelta(minutes=n + 1),
            }
        )
        for n in range(max(0, length - len(events)))
    ]
    return events + extra


def measure(length: int, timed: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        app = bootstrap.application(ProjectionSettings(store="sqlite", state_dir=Path(tmp)))
        try:
            feed(app, long_story(length), batch=100)
            notifications = app.process_recorder.select_notifications(1, 10**6)
            received = [
                e for e in (app.mapper.to_domain_event(n) for n in notifications) if isinstance(e, Record.Received)
            ]
            translator = ProjectionTranslator(app)
            translator.begin_batch(10**9)  # statistics wait for the batch's end: histories only
            # Warm: every event but the last `timed` goes through, as a running relay has seen them.
            for event in received[:-timed]:
                list(translator(event))
            sizes: list[int] = []
            started = time.process_time()
            for event in received[-timed:]:
                for p in translator(event):
                    if isinstance(p.message, ComplaintHistoryUpdated):
                        wire = encode(p.message, key=p.key, source="/projection", event_id=p.event_id, time=p.time)
                        sizes.append(len(wire.value))
            spent = time.process_time() - started
            return {"length": len(received), "us": spent / timed * 1e6, "bytes": sizes[-1]}
        finally:
            app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", default="20,100,400", help="complaint lengths (events), comma-separated")
    parser.add_argument("--timed", type=int, default=15, help="events timed at the end of each complaint")
    args = parser.parse_args()
    print("| events in the complaint | CPU µs an event (translate + encode) | bytes of its last message |")
    print("| --- | --- | --- |")
    for length in (int(x) for x in args.lengths.split(",")):
        row = measure(length, min(args.timed, length - 1))
        print(f"| {row['length']} | {row['us']:,.0f} | {row['bytes']:,} |")


if __name__ == "__main__":
    main()
