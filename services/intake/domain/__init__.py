"""Intake's domain: complaints as registered, and each office's gapless register of them."""
