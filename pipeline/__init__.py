"""vnreport: Vietnamese administrative reports → a checked indicator table.

Stages: ingest (file → text + blocks) → segment (heading tree) → extract (rules from patterns/) →
normalise → outputs (tables, review pages, spaCy docs) → summary. ``extract(paths)`` returns the indicator table as a pandas DataFrame.
"""
__version__ = "0.1.0"


def extract(paths):
    """The indicator table of ``paths`` (files and/or folders) as a pandas DataFrame."""
    from .run import extract as _extract

    return _extract(paths)
