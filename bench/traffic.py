"""What people and office systems do over HTTP during the benchmark: complaints POSTed at a set rate and
timed until the projection's Server-Sent Events stream names them (latency), and cases worked to the end
(re-graded, handled, replied to, visited, reopened) so the history holds every kind of fact."""

from __future__ import annotations

import asyncio
import json
import statistics
import time

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import history
from .processes import System

console = Console(width=max(Console().width, 150))


def progress() -> Progress:
    """A bar with a count, the time taken and a note (the system's lag)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[note]}"),
        console=console,
    )


async def latency(system: System, keys: dict[str, str], count: int, rate: float) -> dict[str, list[float]]:
    """POST `count` complaints to intake at `rate`/s; time each until the projection's SSE stream names
    it (its first fact) and names its triage decision."""
    sent: dict[str, float] = {}
    first: dict[str, float] = {}
    triaged: dict[str, float] = {}
    wall: dict[str, float] = {}  # the POST's start on the wall clock (Kafka's record timestamps are on it)
    wall_triaged: dict[str, float] = {}
    wall_first: dict[str, float] = {}
    answered: dict[str, float] = {}  # the POST's answer on the wall clock: intake's store write done
    offices = [o for o in history.office_ids(3)]
    planned = list(history.history(count, offices, seed=11))

    async def watch(client: httpx.AsyncClient) -> None:
        headers = {"X-Office-Key": keys["group/dashboard"]}
        async with client.stream("GET", system.url("projection-http") + "/stream", headers=headers) as stream:
            event = ""
            async for line in stream.aiter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event == "complaint":
                    data = json.loads(line.split(":", 1)[1])
                    now, subject = time.perf_counter(), str(data.get("subject_id"))
                    first.setdefault(subject, now)
                    wall_first.setdefault(subject, time.time())
                    if "Triaged" in str(data.get("event_type")):
                        triaged.setdefault(subject, now)
                        wall_triaged.setdefault(subject, time.time())

    async with httpx.AsyncClient(timeout=30) as client:
        watcher = asyncio.create_task(watch(client))
        await asyncio.sleep(1)  # the stream is open before the first complaint
        start = time.perf_counter()
        with progress() as bar:
            task = bar.add_task(f"latency: {count} POSTs at {rate:.1f}/s", total=count, note="")
            pending = set()

            async def post(p: history.Planned) -> None:
                key = keys[f"{p.office_id}/reception"]
                at, at_wall = time.perf_counter(), time.time()
                response = await client.post(
                    system.url("intake-http") + "/complaints",
                    content=p.form.model_dump_json(),
                    headers={"X-Office-Key": key, "Content-Type": "application/json"},
                )
                response.raise_for_status()
                answered[str(response.json()["complaint_id"])] = time.time()
                sent[str(response.json()["complaint_id"])] = at
                wall[str(response.json()["complaint_id"])] = at_wall
                bar.advance(task)

            for n, p in enumerate(planned):
                delay = start + n / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                pending.add(asyncio.create_task(post(p)))
            await asyncio.gather(*pending)
        deadline = time.perf_counter() + max(60, count / rate * 3)
        while any(c not in triaged for c in sent) and time.perf_counter() < deadline and not watcher.done():
            await asyncio.sleep(0.1)
        if missing := len(set(sent) - set(triaged)):
            console.print(f"[yellow]latency: {missing} complaints not seen triaged on the stream in time[/]")
        watcher.cancel()
    hops = await hop_times(system.servers, wall, wall_triaged, answered, wall_first)
    return {
        "first": [first[c] - t for c, t in sent.items() if c in first],
        "triaged": [triaged[c] - t for c, t in sent.items() if c in triaged],
    } | hops


async def hop_times(
    servers: str,
    posted: dict[str, float],
    streamed: dict[str, float],
    answered: dict[str, float] | None = None,
    streamed_first: dict[str, float] | None = None,
) -> dict[str, list[float]]:
    """Where a triage decision's latency goes, from the Kafka timestamps (CreateTime: when the relay
    sent the record) of each timed complaint's `ComplaintRegistered` (intake's topic) and
    `ComplaintTriaged` (triage's): POST -> intake's record (intake's HTTP write and relay), -> triage's
    record (triage's worker and relay), -> the stream (the projection's worker and SSE stream).
    With `answered` (when each POST was answered) the first hop splits into intake's HTTP write
    (`post_answered`) and its relay's wake, read and translation (`answered_to_intake_record`); with
    `streamed_first`, `intake_record_to_first` is the first fact's last hop (the projection alone)."""
    answered = answered or {}
    streamed_first = streamed_first or {}
    from shared.bus import kafka
    from shared.contracts.topics import INTAKE_EVENTS, TRIAGE_EVENTS

    stamps: dict[tuple[str, str], float] = {}

    async def read(topic: str, kind: bytes) -> None:
        from aiokafka import TopicPartition

        consumer = kafka.consumer(servers, group_id=None, topics=[])
        await consumer.start()
        try:
            await consumer._client.force_metadata_update()
            partitions = [TopicPartition(topic, n) for n in sorted(consumer.partitions_for_topic(topic) or ())]
            consumer.assign(partitions)
            goal = {tp: end for tp, end in (await consumer.end_offsets(partitions)).items() if end > 0}
            for tp, end in goal.items():
                consumer.seek(tp, max(0, end - 5000))  # the timed complaints are among the last
            while goal:
                for tp, records in (await consumer.getmany(*goal, timeout_ms=500, max_records=5000)).items():
                    for r in records:
                        complaint = (r.key or b"").decode()
                        if complaint in posted and any(kind in (v or b"") for k, v in r.headers if k == "ce_type"):
                            stamps.setdefault((topic, complaint), r.timestamp / 1000)
                    if records and records[-1].offset + 1 >= goal.get(tp, 0):
                        goal.pop(tp, None)
                for tp in list(goal):  # transaction markers hold offsets but no record
                    if await consumer.position(tp) >= goal[tp]:
                        goal.pop(tp)
        finally:
            await consumer.stop()

    try:
        await asyncio.wait_for(read(INTAKE_EVENTS.name, b"ComplaintRegistered"), 60)
        await asyncio.wait_for(read(TRIAGE_EVENTS.name, b"ComplaintTriaged"), 60)
    except TimeoutError:
        console.print("[yellow]latency: the topics could not be read for the hops in time[/]")
    hops: dict[str, list[float]] = {
        "to_intake_record": [],
        "to_triage_record": [],
        "to_stream": [],
        "post_answered": [],
        "answered_to_intake_record": [],
        "intake_record_to_first": [],
    }
    for complaint, at in posted.items():
        registered = stamps.get((INTAKE_EVENTS.name, complaint))
        if registered is not None and complaint in answered:
            hops["post_answered"].append(answered[complaint] - at)
            hops["answered_to_intake_record"].append(registered - answered[complaint])
        if registered is not None and complaint in streamed_first:
            hops["intake_record_to_first"].append(streamed_first[complaint] - registered)
        decided = stamps.get((TRIAGE_EVENTS.name, complaint))
        if registered is None or decided is None or complaint not in streamed:
            continue
        hops["to_intake_record"].append(registered - at)
        hops["to_triage_record"].append(decided - registered)
        hops["to_stream"].append(streamed[complaint] - decided)
    return hops


def percentiles(values: list[float]) -> tuple[float, float, float] | None:
    if len(values) < 2:
        return None
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


# --- lifecycle -------------------------------------------------------------------------------------


def lifecycle(system: System, keys: dict[str, str], count: int) -> int:
    """Work `count` complaints of the development offices to the end over HTTP, as their people would:
    a supervisor re-grades each; half are reopened after a dissatisfied return visit. Returns how many
    got through (a step refused by a changed API is reported, not fatal: this is history, not a figure)."""
    done = 0
    with httpx.Client(timeout=20) as client:
        try:
            listed = client.get(
                system.url("projection-http") + "/complaints",
                params={"office": "hk-central", "limit": count},
                headers={"X-Office-Key": keys["group/dashboard"]},
            ).json()
            chosen = [(item["complaint_id"], item["office_id"]) for item in listed["items"][:count]]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            console.print(f"[yellow]lifecycle skipped: the projection's complaint list did not answer ({error})[/]")
            return 0
        for n, (cid, office) in enumerate(chosen):

            def key(role: str, office: str = office) -> dict[str, str]:
                return {"X-Office-Key": keys[f"{office}/{role}"]}

            try:
                client.post(
                    f"{system.url('triage-http')}/complaints/{cid}/triage/severity",
                    json={"value": "major", "reason": "Re-graded by the supervisor after a second report."},
                    headers=key("supervisor"),
                ).raise_for_status()
                case = f"{system.url('handling-http')}/cases/{cid}"
                steps = [
                    ("acceptance", "staff", {}),
                    ("cause", "staff", {"cause": "Checked on site.", "responsible_person": "duty engineer"}),
                    ("proposal", "staff", {"kind": "repair", "description": "Repair it."}),
                    ("approval", "leader", {"note": "Approved."}),
                    ("execution", "staff", {"notes": "Done on site."}),
                    ("result", "staff", {"result": "Resolved.", "resolved": True}),
                ]
                for step, role, body in steps:
                    client.post(f"{case}/{step}", json=body, headers=key(role)).raise_for_status()
                follow = f"{system.url('followup-http')}/complaints/{cid}"
                for _ in range(100):  # follow-up hears of the result through Kafka
                    got = client.get(follow, headers=key("supervisor"))
                    if got.status_code == 200 and got.json().get("results"):
                        break
                    time.sleep(0.2)
                client.post(
                    f"{follow}/reply", json={"channel": "phone", "summary": "Explained."}, headers=key("supervisor")
                ).raise_for_status()
                visit = (
                    {"outcome": "dissatisfied", "satisfaction": 2, "remarks": "Still unhappy."}
                    if n % 2 == 0
                    else {"outcome": "satisfied", "satisfaction": 5, "acknowledged": True}
                )
                visited = client.post(f"{follow}/return-visits", json=visit, headers=key("reception"))
                if not (visited.status_code == 409 and "waived" in visited.text):  # a consultation needs none
                    visited.raise_for_status()
                done += 1
            except httpx.HTTPStatusError as error:
                detail = error.response.text[:300]
                console.print(f"[yellow]lifecycle of {cid} stopped: {error.request.url.path}: {detail}[/]")
            except httpx.HTTPError as error:
                console.print(f"[yellow]lifecycle of {cid} stopped: {error}[/]")
    return done
