"""Rasa's command line (``python -m ops.rasa_cli <rasa arguments>``, as `rasa ...`) with the warning
filters of ops/quiet.py: sanic (on import) and Rasa (when it configures logging) insert catch-all
"once" filters in front of earlier ones, so the filters are put back in front after each."""
from __future__ import annotations

import os
import sys

from ops import quiet


def secrets_from_env(argv: list[str], environ) -> list[str]:
    """``--jwt-secret env:NAME`` (scripts/rasa-serve.sh) with the key taken from the environment here,
    inside the process, so that it never stands on a command line that `ps` shows.

    The key goes in as ``--jwt-secret=<key>``, one argument: a key drawn by ``secrets.token_urlsafe``
    starts with "-" about once in 32 draws, and argparse takes a separate "-…" argument for an option
    ("argument --jwt-secret: expected one argument": Rasa did not start; found by a fresh clone's CI).
    """
    out: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg == "--jwt-secret":
            value = next(args, "")
            out.append(f"--jwt-secret={environ.get(value[4:], '') if value.startswith('env:') else value}")
        else:
            out.append(arg)
    return out


def main() -> int:
    """Run Rasa's command line with the filters in place; return its exit status."""
    quiet.install()
    import sanic  # noqa: F401  (its import inserts "once" for every DeprecationWarning)

    quiet.install()
    import rasa.__main__ as rasa_main

    configure = rasa_main.configure_logging_and_warnings

    def configure_then_filter(*args, **kwargs):
        configure(*args, **kwargs)  # inserts "once" for every UserWarning
        quiet.install()

    rasa_main.configure_logging_and_warnings = configure_then_filter
    sys.argv[0] = "rasa"
    sys.argv[1:] = secrets_from_env(sys.argv[1:], os.environ)
    rasa_main.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
