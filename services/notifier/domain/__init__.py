"""The notifier's domain: who holds a role where, what a message to them says, when to try again.

No Kafka, no SMTP, no HTTP here: pure functions and frozen models, tested without I/O.
"""
