"""`python -m tracker.cli`: the command line."""
from tracker.cli import cli

cli()
