"""The shared kernel: what every room of the help desk must agree on, written once.

Pure Python (standard library only: no Flask, Rasa, SQLAlchemy or HTTP client), importable from
both environments (the engine env's Python 3.10 and the app env's), so the phone line, the
assistant, the agent console, the widget and the credentials backend cannot drift apart:

* :mod:`kernel.privacy` — secrets redaction and the one set of masks (e-mail, username, phone number);
* :mod:`kernel.redaction` — finding activation codes and passwords in what a user typed (S7, S8);
* :mod:`kernel.fields` — the field rules: username (S1), e-mail address, name keys, languages, channels;
* :mod:`kernel.spoken` — the one parser of spelled and spoken usernames and e-mail addresses;
* :mod:`kernel.contracts` — what crosses between processes (escalation, new-code request, diagnosis,
  handoff, conversation events) and the one mapping from an HTTP status to an outcome;
* :mod:`kernel.facts` — facts of the registration letter that texts need (code lifetime from the
  setting, S10 forum, S11 contacts) as template parameters;
* :mod:`kernel.catalogue` — the checks every text catalogue passes (same keys and placeholders per language);
* :mod:`kernel.clock` — UTC time;
* :mod:`kernel.settings` — reading settings from the environment, one error line per bad value.

Rooms import the kernel; the kernel imports no room.
"""
