"""Listening: server pages' sessions and their rules (server.py, rules.py, settings.py,
certificates.py), relay legs and intercept (relay.py, intercept.py). Plain asyncio on
websockets' server, no Qt."""
