#!/usr/bin/env bash
# The optional Coqui TTS engine, checked against the real coqui-tts library in its own venv
# (torch from PyPI is the CUDA build: about 5.6 GB, 3 min to install; not part of make test).
#
#   lab/coqui.sh build   create the venv with coqui-tts + matching torch/torchaudio + rufbereit
#   lab/coqui.sh test    run the Coqui tests (pytest -m coqui) in it
#
# Environment: RUFBEREIT_COQUI_VENV (default /var/cache/rufbereit-lab/coqui-venv).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${RUFBEREIT_COQUI_VENV:-/var/cache/rufbereit-lab/coqui-venv}"
PYTHON="${PYTHON:-python3}"

build() {
  if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import TTS.api, agent, pytest' 2>/dev/null; then
    echo "coqui: venv ready ($VENV)"
    return
  fi
  echo "coqui: creating $VENV (pip: coqui-tts, torch 2.11, about 3 min)"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q -e "$ROOT[coqui]" pytest pytest-asyncio pytest-timeout
}

case "${1:-}" in
  build) build ;;
  test)
    build
    cd "$ROOT"
    "$VENV/bin/python" -m pytest -q -m coqui -p no:cacheprovider tests/speech/test_coqui_real.py
    ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac
