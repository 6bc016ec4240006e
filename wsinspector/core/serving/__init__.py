"""Listening: server pages' sessions and their rules (server.py, rules.py), relay legs and
intercept (relay.py). Plain asyncio on websockets' server, no Qt."""
