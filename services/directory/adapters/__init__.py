"""Translation to integration events (the relay's translator)."""
