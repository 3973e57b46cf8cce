"""The weekly briefing: read the database as of a moment (asof, reads), build its sections (build, model),
render HTML and text (render, templates/) and email it once (mailer)."""
