"""`python -m agents create-agent --username anna --role agent`: the same CLI without `flask --app`."""
from __future__ import annotations

import sys

from flask.cli import FlaskGroup

from gateway import create_app


def main() -> int:
    cli = FlaskGroup(create_app=lambda: create_app(), add_default_commands=False)
    from agents.cli import group

    for name, command in group.commands.items():
        cli.add_command(command, name)
    return cli.main(args=sys.argv[1:], prog_name="python -m agents") or 0


if __name__ == "__main__":
    sys.exit(main())
