"""Handling's processes: the HTTP API, the outbox relay, and the worker that opens and reopens cases."""
