"""One spider per source."""
