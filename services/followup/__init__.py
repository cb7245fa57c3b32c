"""Follow-up: reply to the customer, return visits, recorded waivers, and closing the case."""
