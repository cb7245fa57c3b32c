"""Follow-up's adapters: inbound topic handlers, and translation to integration events."""
