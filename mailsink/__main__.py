"""``python -m mailsink [serve | list | show N]``."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from kernel.privacy import MaskingLogFilter
from mailsink.reader import list_lines, show_text
from mailsink.server import serve
from mailsink.settings import SettingsError, SinkSettings
from mailsink.store import MailStore


def _configure_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingLogFilter())
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    # aiosmtpd logs every command line (addresses included) at INFO: keep only its warnings.
    logging.getLogger("mail.log").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mailsink", description="Local SMTP sink storing mail as .eml files.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="listen on SMTP_HOST:SMTP_PORT (the default)")
    sub.add_parser("list", help="list the stored mails, oldest first")
    show = sub.add_parser("show", help="print one stored mail (number from 'list')")
    show.add_argument("number", type=int)
    args = parser.parse_args(argv)

    try:
        settings = SinkSettings.from_env()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    store = MailStore(settings.directory)
    if args.command == "list":
        print("\n".join(list_lines(store)))
        return 0
    if args.command == "show":
        try:
            print(show_text(store, args.number))
        except IndexError as exc:
            print(exc, file=sys.stderr)
            return 1
        return 0

    _configure_logging()
    try:
        settings.directory.mkdir(parents=True, exist_ok=True)
        asyncio.run(serve(settings))
    except OSError as exc:
        logging.getLogger("mailsink").error("cannot listen on %s:%d or use %s: %s",
                                            settings.host, settings.port, settings.directory, exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
