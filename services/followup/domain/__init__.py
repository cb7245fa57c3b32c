"""Follow-up's domain: each complaint's follow-up case and the follow-up policy."""
