"""Adapters of the credentials backend: SQLAlchemy models, the repository and the unit of work."""
