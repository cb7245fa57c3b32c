"""Benchmarks: throughput beside a raw Kafka baseline measured in the same run. Not tests."""
