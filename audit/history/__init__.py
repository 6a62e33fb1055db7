"""The audit history (SQLite): rows of scored runs, drift timelines and trends."""
