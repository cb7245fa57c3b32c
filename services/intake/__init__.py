"""Intake: offices record complaints, over HTTP or by publishing to the office-facing Kafka topic."""
