"""The credentials backend: accounts, one-time activation codes, activation, login, new-code
requests, diagnosis, the e-mail outbox and the audit log (rules S1-S9 of shared/seed/RULES.md)."""
from __future__ import annotations


def create_app(test_config=None, **options):
    """The Flask application factory (imported lazily so `import credentials` stays cheap)."""
    from credentials.app import create_app as _create_app

    return _create_app(test_config, **options)
