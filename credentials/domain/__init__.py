"""Plain-Python domain of the credentials backend: no SQLAlchemy, no Flask, no network."""
