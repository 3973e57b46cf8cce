"""Storage: the connection and write transaction (db), recorded migrations (migrations), items with their
versions and runs (items), and the staff-written register, reviews and triage (register)."""
