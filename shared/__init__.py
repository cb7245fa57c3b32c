"""What every service shares: integration-event contracts, the Kafka bus and the event-store plumbing.

Services never import each other; they meet only here.
"""
