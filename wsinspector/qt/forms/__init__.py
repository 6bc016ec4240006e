"""Forms a page is made of: connection settings, the composer (text, JSON, binary, file, ping and
pong), saved messages, variables, secrets and decoder settings."""
