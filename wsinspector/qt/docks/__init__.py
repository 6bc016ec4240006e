"""The window's side docks: saved profiles, and the History of recorded sessions with its search."""
