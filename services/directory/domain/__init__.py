"""The directory's aggregates: no FastAPI, no Kafka."""
