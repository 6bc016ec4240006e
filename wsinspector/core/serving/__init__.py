"""Listening: relay pages' legs and intercept (and server pages' sessions and rules)."""
