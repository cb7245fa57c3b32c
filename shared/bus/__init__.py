"""The bus: Kafka clients with safe defaults, the outbox relay, tracked consumers and dead letters."""
