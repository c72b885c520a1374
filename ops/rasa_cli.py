"""Rasa's command line (``python -m ops.rasa_cli <rasa arguments>``, as `rasa ...`) with the warning
filters of ops/quiet.py: sanic (on import) and Rasa (when it configures logging) insert catch-all
"once" filters in front of earlier ones, so the filters are put back in front after each."""
from __future__ import annotations

import os
import sys

from ops import quiet


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
    # `--jwt-secret env:NAME` (scripts/rasa-serve.sh): the key is taken from the environment here,
    # inside the process, so that it never stands on a command line that `ps` shows.
    sys.argv[1:] = [os.environ.get(arg[4:], "") if before == "--jwt-secret" and arg.startswith("env:") else arg
                    for before, arg in zip([""] + sys.argv[1:], sys.argv[1:])]
    rasa_main.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
