"""E-mail of the credentials backend: composing the code and notice mails, sending them over SMTP.

- ``compose.code_mail`` / ``compose.notice_mail`` build the messages (texts in texts_hu.py / texts_en.py);
- ``smtp.send`` delivers one message and classifies the server's answer (never raises for SMTP trouble).
Addresses in logs and replies are masked with kernel.privacy.
"""
