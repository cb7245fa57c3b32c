"""The notifier's domain stays pure: no broker, no network client, no web framework."""

from __future__ import annotations

import ast
from pathlib import Path

import services.notifier.domain as domain

FORBIDDEN = {"faust", "aiokafka", "httpx", "aiosmtplib", "fastapi", "smtplib", "mode"}


def test_the_domain_imports_no_io_library() -> None:
    for path in Path(domain.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            bad = {name.split(".")[0] for name in names} & FORBIDDEN
            assert not bad, f"{path.name} imports {bad}"
