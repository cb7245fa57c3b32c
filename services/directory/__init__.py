"""The directory: offices, departments, staff and their keys, as events (issue 14, item 5)."""
