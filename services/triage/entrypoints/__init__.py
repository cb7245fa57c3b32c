"""Triage's processes: the HTTP API, the outbox relay, and the worker that judges complaints."""
