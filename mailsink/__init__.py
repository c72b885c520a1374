"""The embedded-default SMTP sink: accepts mail on SMTP_HOST:SMTP_PORT and stores it as .eml files.

Run ``python -m mailsink`` (serve), ``python -m mailsink list`` or ``python -m mailsink show N``.
Not for production: there the backend talks to a real SMTP relay (docs/mail.md).
"""
