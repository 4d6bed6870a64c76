"""Nightly reminders: reading times and zones, schedule maths, and the delivery tick."""
