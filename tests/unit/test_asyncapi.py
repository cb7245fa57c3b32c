"""The AsyncAPI 3 document (docs/asyncapi.json) is generated from the topic registry and the
contracts, kept up to date, complete (every topic, message type, writer and reader), its references
resolve, and the official AsyncAPI parser finds no error in it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from shared.contracts import asyncapi
from shared.contracts.topics import ALL_TOPICS

ROOT = Path(__file__).resolve().parents[2]
VALIDATE = ROOT / "deploy" / "asyncapi" / "validate.sh"


def test_the_document_is_up_to_date() -> None:
    assert asyncapi.outdated() == [], f"run `{asyncapi.WRITE_COMMAND}` and commit docs/asyncapi.json"


def test_every_topic_message_writer_and_reader_is_in_the_document() -> None:
    doc = asyncapi.document()
    assert doc["asyncapi"].startswith("3.")
    for topic in ALL_TOPICS:
        channel = doc["channels"][asyncapi.channel_id(topic)]
        assert channel["address"] == topic.name
        assert channel["bindings"]["kafka"]["partitions"] == topic.partitions
        assert set(channel["messages"]) == {asyncapi.message_id(t) for t in topic.event_types} or (
            not topic.event_types and set(channel["messages"]) == {asyncapi.RELAY_POSITION}
        )
        assert doc["operations"][f"{asyncapi.channel_id(topic)}.send"]["action"] == "send"
        for consumer in topic.consumers:
            assert doc["operations"][f"{asyncapi.channel_id(topic)}.receive.{consumer}"]["action"] == "receive"
    for type_name in {t for topic in ALL_TOPICS for t in topic.event_types}:
        message = doc["components"]["messages"][asyncapi.message_id(type_name)]
        assert message["headers"]["properties"]["ce_type"]["const"] == type_name
        assert message["payload"]["properties"]["type"]["const"] == type_name


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_every_reference_resolves_inside_the_document() -> None:
    doc = asyncapi.document()
    for ref in set(_refs(doc)):
        assert ref.startswith("#/"), ref
        node: Any = doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    assert "$defs" not in json.dumps(doc)


@pytest.mark.slow
def test_the_asyncapi_parser_finds_no_error() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm are not installed: the AsyncAPI parser (npm @asyncapi/parser) cannot run")
    done = subprocess.run([str(VALIDATE), str(asyncapi.DOC_PATH)], capture_output=True, text=True, timeout=300)
    if done.returncode == 3:
        pytest.skip(f"the AsyncAPI parser could not be installed from npm: {done.stderr.strip()[-500:]}")
    assert done.returncode == 0, done.stdout + done.stderr
    diagnostics = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [d for d in diagnostics if d["severity"] <= 1] == [], diagnostics  # no error, no warning
