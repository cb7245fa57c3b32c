"""The SLA domain: the versioned policy, office calendars, and each complaint's clocks."""
