"""Modal dialogs: About, Preferences, Environments."""
