"""The desk over stand-in services, the one way every desk test builds it: the development keys written
to a key file, the desk's settings naming each service by a host the stand answers for, and the app
served either in-process (`desk_client`, a TestClient) or on a real port (`served_desk`, for a browser).

A stand is any callable answering an `httpx.Request` as the services' APIs would (httpx's MockTransport).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.desk.adapters.services import Services
from services.desk.entrypoints.http import create_app
from services.desk.settings import DeskSettings
from tests.support import write_keys

Stand = Callable[[httpx.Request], httpx.Response]
SERVICES = ("intake", "triage", "handling", "sla", "followup", "projection")


def desk_keys(folder: Path) -> dict[str, str]:
    """The development keys, hashed in `folder/keys.json`; the plain keys by actor id."""
    return write_keys(folder / "keys.json")


def desk_app(
    folder: Path,
    keys: dict[str, str],
    stand: Stand,
    *,
    clock: Callable[[], datetime] | None = None,
    status_reader: bool = True,
    **settings_: Any,
) -> FastAPI:
    """The desk app answering from `stand`; `status_reader=False`: no key for complainants' status pages;
    `settings_` replace the settings' defaults (e.g. `oidc_issuer=`, `keys_file=`)."""
    settings = DeskSettings(
        **{
            "keys_file": folder / "keys.json",
            **({"status_reader_key": keys["group/dashboard"]} if status_reader else {}),
            **{f"{s}_url": f"http://{s}" for s in SERVICES},
            **settings_,
        }
    )
    services = Services(settings, transport=httpx.MockTransport(stand))
    return create_app(settings, services) if clock is None else create_app(settings, services, clock=clock)


@contextmanager
def desk_client(
    folder: Path,
    keys: dict[str, str],
    stand: Stand,
    *,
    clock: Callable[[], datetime] | None = None,
    status_reader: bool = True,
    **settings_: Any,
) -> Iterator[TestClient]:
    """The desk in-process, as a client that keeps cookies (its lifespan run)."""
    with TestClient(desk_app(folder, keys, stand, clock=clock, status_reader=status_reader, **settings_)) as client:
        yield client


@contextmanager
def served_desk(
    folder: Path, keys: dict[str, str], stand: Stand, *, clock: Callable[[], datetime] | None = None
) -> Iterator[str]:
    """The desk on a real port (for a browser); its URL."""
    from tests.desk.system import serve  # the system's server helper (imports the whole system's bootstraps)

    served = serve(desk_app(folder, keys, stand, clock=clock), "desk")
    try:
        yield served.url
    finally:
        served.server.should_exit = True
        served.thread.join(timeout=15)
