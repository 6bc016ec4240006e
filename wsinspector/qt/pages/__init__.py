"""Page kinds, one tab each: a page is a source of events, a workspace over its log, and its own
controls. A new page kind (a server, a relay) is a new module here."""
