"""Rasa's command line (``python -m ops.rasa_cli <rasa arguments>``, as `rasa ...`) with the warning
filters of ops/quiet.py: sanic (on import) and Rasa (when it configures logging) insert catch-all
"once" filters in front of earlier ones, so the filters are put back in front after each."""
from __future__ import annotations

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
    rasa_main.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
