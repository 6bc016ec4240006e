"""What every page shows of its log: the log view and its model, the filter bar, the detail
view (text, JSON tree, hex, decoded, wire frames), the handshake pane and exporting the log."""
