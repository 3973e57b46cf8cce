"""Watchlists and the alerts sent about them: what people and teams follow (watchlist), what changed (changes),
which changes each watch matches (matching), the message (message), its signed unsubscribe link (unsubscribe),
and one run over everyone (run)."""
