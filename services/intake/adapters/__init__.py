"""Intake's adapters: translation to integration events, and the office-facing topic's reader."""
