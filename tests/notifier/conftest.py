"""The notifier tests' real receivers, for the modules that do not want their own (a module's own
fixture of the same name, such as one refusing a mailbox, takes precedence)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .support import HookReceiver, SmtpSink


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def hooks() -> Iterator[HookReceiver]:
    with HookReceiver() as receiver:
        yield receiver
