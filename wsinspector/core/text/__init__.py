"""Text for people from bytes and JSON: previews, hex dumps, sizes, pretty JSON, the JSON outline;
and the rules every floor applies to text: the secrets policy (which names hold a credential,
how they are redacted), the `{{placeholder}}` syntax.

Pure functions of values: nothing here knows about events, sessions or files."""
