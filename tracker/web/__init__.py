"""Datasette: thin hook implementations (hooks), the pages' views and data (views, dossier, dashboard), the
metadata and saved queries (metadata), and the configured server (serve)."""
