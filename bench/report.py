"""The whole-system benchmark's tables: each figure beside its baseline and ratio; start-up and memory."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from .processes import SERVICES
from .traffic import console

Row = tuple[str, str, str, str]  # what, figure, baseline, ratio


def rows(r: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    s = r["sustained"]
    raw = r["raw_commit"]
    out.append(
        (
            f"sustained complaints/s, all six services ({r['store']})",
            f"{s['rate']:,.1f}",
            f"{raw['complaints_per_s']:,.1f}/s raw batched commit: {raw['rows_per_s']:,.0f} rows/s"
            f" / {raw['per_complaint']:.1f} rows a complaint ({r['slowest']})",
            f"{s['rate'] / raw['complaints_per_s']:.3f} (target 0.7)",
        )
    )
    for service, figures in s["services"].items():
        cpu = ""
        if figures.get("worker_cpu") is not None and figures["messages"]:
            cpu = f"; CPU {figures['worker_cpu'] * 1000 / figures['messages']:.2f} ms a message"
            cpu += f" (relay {figures['relay_cpu']:.1f} s)" if figures.get("relay_cpu") is not None else ""
        out.append(
            (
                f"  {service} worker: messages/s ({figures['per_complaint']:.1f} a complaint)",
                f"{figures['rate']:,.0f}",
                f"{raw['rows_per_s']:,.0f} raw rows/s{cpu}",
                f"{figures['rate'] / raw['rows_per_s']:.3f}",
            )
        )
    if s.get("cpu_seconds"):
        out.append(
            (
                "  CPU seconds of all 18 processes in the phase, a complaint",
                f"{s['cpu_seconds']:,.1f}",
                f"{s['cpu_seconds'] * 1000 / r['complaints']:,.1f} ms a complaint",
                "",
            )
        )
    if lat := r.get("latency"):
        for kind, label in (("first", "first fact"), ("triaged", "triage decision")):
            if cuts := lat.get(kind):
                out.append(
                    (
                        f"intake -> projection ({label}) at {lat['rate']:.1f}/s: p50 / p95 / p99 ms",
                        " / ".join(f"{c * 1000:,.0f}" for c in cuts),
                        "target: p99 <= 500 ms",
                        f"{cuts[2] * 1000 / 500:.2f} x target",
                    )
                )
    if (lat := r.get("latency")) and lat.get("to_stream"):
        for at, label in ((0, "p50"), (2, "p99")):
            hops = " / ".join(
                f"{lat[k][at] * 1000:,.0f}" for k in ("to_intake_record", "to_triage_record", "to_stream") if lat.get(k)
            )
            out.append(
                (
                    f"  the triage decision's hops, {label} ms: POST -> intake's record / -> triage's / -> stream",
                    hops,
                    "Kafka record timestamps (when each relay sent)",
                    "",
                )
            )
        if lat.get("post_answered") and lat.get("answered_to_intake_record"):
            for at, label in ((0, "p50"), (2, "p99")):
                parts = ("post_answered", "answered_to_intake_record", "intake_record_to_first")
                out.append(
                    (
                        f"  {label} ms: POST answered / -> intake's record / that record -> first fact streamed",
                        " / ".join(f"{lat[k][at] * 1000:,.0f}" for k in parts if lat.get(k)),
                        "intake's write / its relay / the projection",
                        "",
                    )
                )
    if surge := r.get("surge"):
        out.append(
            (
                f"surge of {surge['count']:,} within {surge['window']:g} s: drained after s",
                f"{surge['drain_seconds']:,.1f}",
                f"arrived over {surge['arrived_seconds']:,.1f} s",
                f"{surge['drain_seconds'] / surge['arrived_seconds']:.2f} x arrival",
            )
        )
    if replay := r.get("replay"):
        raw_rate = r["raw_consume"]["rate"]
        rate = replay.get("rate") or (r["raw_consume"]["records"] / replay["wall_seconds"])
        own_raw = f"; the replay's own raw read {replay['raw_rate']:,.0f}/s" if replay.get("raw_rate") else ""
        out.append(
            (
                "audit replay events/s" + ("" if replay.get("rate") else " (by wall time)"),
                f"{rate:,.0f}",
                f"{raw_rate:,.0f}/s raw aiokafka consume of {r['raw_consume']['records']:,} records{own_raw}",
                f"{rate / raw_rate:.3f} (target 0.5)",
            )
        )
        out.append(
            (
                "  audit replay: wall time s (byte-equal to live?)",
                f"{replay['wall_seconds']:,.1f}",
                "",
                "equal" if replay["equal"] else f"NOT equal (exit {replay['exit']})",
            )
        )
    return out


def print_table(r: dict[str, Any]) -> None:
    title = f"whole system: {r['complaints']:,} complaints, {r['offices']} offices, {r['store']}"
    table = Table(title=title)
    for column in ("what", "figure", "baseline (same run)", "ratio"):
        table.add_column(column, justify="right" if column in ("figure", "ratio") else "left")
    for row in rows(r):
        table.add_row(*row)
    console.print(table)
    table = Table(title=f"start-up and memory of every process ({r['complaints']:,} complaints of history)")
    for column in ("process", "start-up s, empty", "start-up s, on history", "peak RSS MiB, load", "after restart"):
        table.add_column(column, justify="left" if column == "process" else "right")
    for service in SERVICES:
        for kind in ("http", "relay", "worker"):
            name = f"{service}-{kind}"
            figures = [
                r.get(k, {}).get(name) for k in ("startup_empty", "startup", "peak_rss_load", "peak_rss_restart")
            ]
            table.add_row(name, *("-" if f is None else f"{f:,.1f}" for f in figures))
    console.print(table)
    console.print("targets: start-up <= 5 s and memory independent of history, for every service at 1M complaints")


# Named sizes: complaints of history, the surge (complaints, seconds) and the POSTs timed for latency.
# `small` is `make bench`'s (a few minutes here); 100k and 1m run for hours on a small machine.
