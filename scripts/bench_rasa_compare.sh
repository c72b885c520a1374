#!/usr/bin/env bash
# One Rasa process's cost per turn before and after H5's changes (issue #11), measured in one run:
#   bash scripts/bench_rasa_compare.sh [bench_rasa.py options, e.g. --turns 400 --rounds 3 --no-write]
# "before" = this checkout with those changes taken out again: TEDPolicy back in config.yml (the
# policies of commit 79fb999), bot/sqlite_tuning.py of 79fb999 (no connection pool), bot/turn_tuning.py
# doing nothing, no selective domain in endpoints.yml, and the channels reading the tracker for every
# message; since 2026-12-02 also the kept-alive action calls and the shared TLS context of the action
# server. "after" = this checkout. Wrap it in scripts/bench_niced.sh on a shared machine. Both models are trained from the same data into var/bench-rasa/
# (Rasa's cache makes the second training short); the runs alternate (scripts/bench_rasa.py).
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
BEFORE_COMMIT=79fb999ac3a1f1d26974d3ad9868f6244491d1a6
out=var/bench-rasa
tree="$out/before-tree"
rm -rf "$tree" && mkdir -p "$tree"
# the working tree's files (what "after" runs), then the changes taken out
tar -c --exclude=./.venv --exclude=./var --exclude=./models --exclude=./.git --exclude=./results . | tar -x -C "$tree"
ln -s "$PWD/.venv" "$tree/.venv"
git show "$BEFORE_COMMIT:bot/sqlite_tuning.py" > "$tree/bot/sqlite_tuning.py"
printf '"""Taken out for the benchmark'"'"'s "before"."""\n\n\ndef apply_turn_tuning() -> None:\n    pass\n' > "$tree/bot/turn_tuning.py"
sed -i '/enable_selective_domain: true/d' "$tree/endpoints.yml"
python3 - "$tree/bot/channels.py" <<'PY'
import sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
shortcut = "    if isinstance(message, str) and redact(message, expecting_secret=True) == redact(message, expecting_secret=False):\n        return False\n"
assert shortcut in text, "bot/channels.py: the redaction shortcut moved; update this script"
open(path, "w", encoding="utf-8").write(text.replace(shortcut, ""))
PY
python3 - "$tree" <<'PY'
import sys
tree = sys.argv[1]
edits = {  # the kept-alive action calls and the shared TLS context (2026-12-02) taken out
    "bot/channels.py": ("    apply_kept_alive_sessions()\n", ""),
    "actions/service_client.py": (",\n                                         verify=tls_context())", ")"),
}
for path, (old, new) in edits.items():
    text = open(f"{tree}/{path}", encoding="utf-8").read()
    assert old in text, f"{path}: the change moved; update this script"
    open(f"{tree}/{path}", "w", encoding="utf-8").write(text.replace(old, new))
PY
python3 - "$BEFORE_COMMIT" "$out/config_before.yml" <<'PY'
import subprocess, sys
commit, target = sys.argv[1:]
old = subprocess.run(["git", "show", f"{commit}:config.yml"], capture_output=True, text=True, check=True).stdout
new = open("config.yml", encoding="utf-8").read()
# this checkout's pipeline, the old policies
open(target, "w", encoding="utf-8").write(new[:new.index("policies:")] + old[old.index("policies:"):])
PY
for variant in before after; do
  config=config.yml; [ "$variant" = before ] && config="$out/config_before.yml"
  .venv/engine/bin/python -m ops.rasa_cli train --quiet --config "$config" --out "$out" \
    --fixed-model-name "$variant" --num-threads 2 >"$out/train-$variant.log" 2>&1
done
exec .venv/app/bin/python scripts/bench_rasa.py \
  --model "before=$out/before.tar.gz@$tree" --model "after=$out/after.tar.gz" "$@"
