"""The directory's processes: the HTTP API, the outbox relay, the CLI."""
