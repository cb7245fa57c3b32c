"""A development SMS gateway that sends nothing: it records what it receives, so a person trying the
system sees the texts complainants reached by phone would get.

    python -m services.notifier.entrypoints.sms_sink --port 8025 --out .state/notifier/sms.jsonl

`make up` runs it (deploy/Procfile.dev, `notifier-sms-sink`) and points the worker at it
(`NOTIFIER_SMS_GATEWAY_URL=http://127.0.0.1:8025/sms`). It takes the request a real gateway (or a
provider's adapter) takes (services/notifier/README.md, "Texts to complainants"): it checks the
signature with `NOTIFIER_SMS_GATEWAY_SECRET` (401 when it does not hold; unchecked, said at start, when
no secret is set), keeps each text once by its idempotency key (a repeat answers 200 and is logged as
one, as a provider de-duplicates), appends it as a JSON line to `--out` and prints it to its log
(`.state/logs/notifier-sms-sink.log` under `make up`). Development only: the file and the log hold the
numbers and the texts, as a phone would.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ..domain import messages

log = logging.getLogger("notifier.sms-sink")


class Outbox:
    """The texts received, one JSON line each, kept once per idempotency key (also across restarts)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.seen = {json.loads(line)["idempotency_key"] for line in self._lines()}

    def _lines(self) -> list[str]:
        return [line for line in self.path.read_text().splitlines() if line.strip()] if self.path.exists() else []

    def keep(self, text: dict[str, Any]) -> bool:
        """False for a repeat (the same idempotency key): not kept again."""
        with self.lock:
            if text["idempotency_key"] in self.seen:
                return False
            self.seen.add(text["idempotency_key"])
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(text, ensure_ascii=False, sort_keys=True) + "\n")
            return True


def server(host: str, port: int, outbox: Outbox, secret: str | None) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            signature = self.headers.get(messages.SIGNATURE_HEADER, "")
            if secret is not None and not messages.signature_valid(secret, body, signature):
                log.warning("refused a request: its signature does not hold (%s)", messages.SIGNATURE_HEADER)
                return self._answer(401, {"error": "bad signature"})
            try:
                text = json.loads(body)
                key, to, words = str(text["idempotency_key"]), str(text["to"]), str(text["text"])
            except (ValueError, KeyError, TypeError):
                return self._answer(400, {"error": "not a text: JSON with idempotency_key, to and text"})
            received = {**text, "received_at": datetime.now(UTC).isoformat(timespec="seconds")}
            if not outbox.keep(received):
                log.info("repeat of %s (not sent again)", key)
                return self._answer(200, {"status": "duplicate", "idempotency_key": key})
            log.info(
                "SMS to %s (%s, %s segment(s), %s, %s):\n%s",
                to, text.get("kind"), text.get("segments"), text.get("encoding"), key, words,
            )  # fmt: skip
            return self._answer(200, {"status": "accepted", "idempotency_key": key})

        def _answer(self, status: int, body: dict[str, str]) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *_: Any) -> None:  # the texts are logged above, not each request line
            pass

    return ThreadingHTTPServer((host, port), Handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--out", type=Path, default=Path(".state/notifier/sms.jsonl"), help="the texts, JSON lines")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stdout)
    secret = os.environ.get("NOTIFIER_SMS_GATEWAY_SECRET") or None
    if secret is None:
        log.warning("NOTIFIER_SMS_GATEWAY_SECRET is not set: signatures are not checked")
    httpd = server(args.host, args.port, Outbox(args.out), secret)
    log.info("development SMS gateway on http://%s:%d/sms, texts kept in %s", args.host, args.port, args.out)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
