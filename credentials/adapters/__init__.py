"""Adapters of the credentials backend: SQLAlchemy models, the six repositories and the unit of work."""
