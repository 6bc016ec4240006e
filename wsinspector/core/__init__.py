"""Protocol, event records and storage. No Qt import anywhere below this package."""
