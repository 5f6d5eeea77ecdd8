#!/usr/bin/env bash
# Measures aioxmpp 0.13.3 and slixmpp 1.17.0 on the shared workload and
# prints workload-summary's line format for each (median of 3 runs, each in
# a fresh process). Creates a virtualenv beside this script on first use.
#
#   benches/compare/run.sh [--runs 3] [--n 10000]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${VENV:-$here/.venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    # aioxmpp 0.13.3 imports pytz without declaring it.
    "$venv/bin/pip" install --quiet aioxmpp==0.13.3 pytz slixmpp==1.17.0
fi
"$venv/bin/python" --version >&2
for lib in aioxmpp slixmpp; do
    "$venv/bin/python" "$here/compare.py" "$lib" "$@"
done
