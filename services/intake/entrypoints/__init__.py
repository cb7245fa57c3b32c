"""Intake's processes: the HTTP API, the outbox relay, and the office-topic worker."""
