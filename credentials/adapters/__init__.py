"""Adapters of the credentials backend: SQLAlchemy models, the five repositories and the unit of work."""
