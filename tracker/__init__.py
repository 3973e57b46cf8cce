"""seoc-tracker: legislative reform and consultation tracker for the SEOC directorate."""

__version__ = "0.1.0"
