"""Explore a built dataset: one SQLite database with full-text search, and its Datasette metadata."""

from pipeline.explore.database import DATABASE_NAME, SEARCHED, DatabaseError, write_database
from pipeline.explore.metadata import datasette_metadata

__all__ = ["DATABASE_NAME", "SEARCHED", "DatabaseError", "datasette_metadata", "write_database"]
