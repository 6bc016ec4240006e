"""Small widgets with no knowledge of wsinspector's data: an eliding label, a sparkline, icons."""
