#!/usr/bin/env bash
# The Rasa NLU server of the lab (and of a customer install): Rasa 3.6 in its own Python 3.10
# venv and process, reached over HTTP (POST /model/parse) on 127.0.0.1 with an auth token.
#
#   lab/rasa.sh build            create the venv and `pip install rasa==3.6.21` if missing or broken
#   lab/rasa.sh train [de|en]    train an NLU model from models/nlu/ (skipped when the data is unchanged)
#   lab/rasa.sh up [de|en]       serve it on 127.0.0.1:5005 (en: 5006) in the background; waits until
#                                GET /status answers with the model loaded; idempotent
#   lab/rasa.sh down [de|en]     stop the server (both when no language is given)
#   lab/rasa.sh status [de|en]   "running ..." (exit 0) or "stopped" (exit 3)
#   lab/rasa.sh token            print the auth token
#   lab/rasa.sh url [de|en]      print the server's base URL
#
# Environment:
#   RUFBEREIT_RASA_VENV    the venv (default /var/cache/rufbereit-lab/rasa-venv)
#   RUFBEREIT_LAB_DIR      lab state (default /var/tmp/rufbereit-lab); models, logs, pid and token
#                          files live in $RUFBEREIT_LAB_DIR/rasa
#   RUFBEREIT_RASA_TOKEN   the auth token; default: a random one kept (0600) in the lab dir
#   RUFBEREIT_NLU_DIR      training data (default: models/nlu of this checkout)
#   RUFBEREIT_PYTHON310    a Python 3.10 interpreter (default: pyenv's 3.10.x, else python3.10)
#   RUFBEREIT_RASA_START_TIMEOUT   seconds `up` waits for the model to load (default 240)
#
# The token never appears on a command line (ps): the server reads it from the environment
# or the token file, and curl reads the status URL from stdin. Telemetry is off and nothing
# here calls the network except `build` (pip, the package registry).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAB_DIR="${RUFBEREIT_LAB_DIR:-/var/tmp/rufbereit-lab}"
RASA_DIR="$LAB_DIR/rasa"
VENV="${RUFBEREIT_RASA_VENV:-/var/cache/rufbereit-lab/rasa-venv}"
NLU_DIR="${RUFBEREIT_NLU_DIR:-$ROOT/models/nlu}"
TOKEN_FILE="$RASA_DIR/token"
RASA_VERSION="3.6.21"
HOST=127.0.0.1
START_TIMEOUT="${RUFBEREIT_RASA_START_TIMEOUT:-240}"

# No telemetry, no hub downloads, no writes into the checkout, quieter libraries.
export RASA_TELEMETRY_ENABLED=false
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
export RASA_CACHE_DIRECTORY="$RASA_DIR/cache"
export MPLCONFIGDIR="$RASA_DIR/mpl"
export TF_CPP_MIN_LOG_LEVEL=2
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PYTHONWARNINGS=ignore

die() { echo "lab/rasa.sh: $*" >&2; exit 1; }
say() { echo "lab/rasa.sh: $*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

lang_arg() {  # lang_arg [de|en] -> the language (default de)
    local lang="${1:-de}"
    case "$lang" in
        de | en) echo "$lang" ;;
        *) die "unknown language '$lang' (use de or en)" ;;
    esac
}

port_of() { if [[ $1 == en ]]; then echo 5006; else echo 5005; fi; }

lock() {  # lock NAME: hold $RASA_DIR/NAME.lock on fd 9 until the script exits
    mkdir -p "$RASA_DIR"
    exec 9>"$RASA_DIR/$1.lock"
    flock -w 900 9 || die "another lab/rasa.sh holds $RASA_DIR/$1.lock for more than 900 s"
}

# --- build -----------------------------------------------------------------------------------

find_python310() {
    local candidates=() py
    [[ -n ${RUFBEREIT_PYTHON310:-} ]] && candidates+=("$RUFBEREIT_PYTHON310")
    if command -v pyenv >/dev/null 2>&1; then
        local v
        for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10\.[0-9]+$' | sort -t. -k3 -rn); do
            candidates+=("$(pyenv prefix "$v" 2>/dev/null)/bin/python3.10")
        done
    fi
    command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
    for py in "${candidates[@]}"; do
        if [[ -x $py ]] && "$py" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info[:2] != (3, 10))' \
            >/dev/null 2>&1; then
            echo "$py"
            return 0
        fi
    done
    return 1
}

venv_ok() {
    [[ -x $VENV/bin/python ]] && "$VENV/bin/python" -c "
import sys
import rasa.version, sanic, sklearn, sklearn_crfsuite
sys.exit(sys.version_info[:2] != (3, 10) or rasa.version.__version__ != '$RASA_VERSION')
" >/dev/null 2>&1
}

cmd_build() {
    local t0 py
    t0=$(now)
    lock build
    if venv_ok; then
        say "build: rasa $RASA_VERSION already in $VENV ($(since "$t0") s)"
        return 0
    fi
    mkdir -p "$RASA_DIR"
    if [[ -x $VENV/bin/python ]] \
        && "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
        say "build: repairing $VENV (rasa $RASA_VERSION missing or does not import)"
    else
        py=$(find_python310) || die "no Python 3.10 interpreter found (Rasa $RASA_VERSION needs Python < 3.11):
  install one (e.g. 'pyenv install 3.10.13') or set RUFBEREIT_PYTHON310=/path/to/python3.10"
        if [[ -e $VENV && ! -f $VENV/pyvenv.cfg ]] && [[ -n $(ls -A "$VENV" 2>/dev/null) ]]; then
            die "$VENV exists and is not a venv: not touching it (set RUFBEREIT_RASA_VENV elsewhere)"
        fi
        say "build: creating $VENV with $py and installing rasa==$RASA_VERSION (about 5 min, 2.7 GB)"
        mkdir -p "$(dirname "$VENV")"
        "$py" -m venv --clear "$VENV" || die "python -m venv $VENV failed"
    fi
    if ! "$VENV/bin/python" -m pip install --quiet "rasa==$RASA_VERSION" >"$RASA_DIR/build.log" 2>&1; then
        tail -n 30 "$RASA_DIR/build.log" >&2
        die "pip install rasa==$RASA_VERSION failed (log: $RASA_DIR/build.log)"
    fi
    venv_ok || die "rasa==$RASA_VERSION installed but does not import (log: $RASA_DIR/build.log)"
    say "build: rasa $RASA_VERSION installed in $VENV ($(since "$t0") s)"
}

need_venv() {
    [[ -x $VENV/bin/rasa ]] || die "no Rasa venv at $VENV: run 'lab/rasa.sh build' first"
}

# --- train -----------------------------------------------------------------------------------

data_files() {  # data_files LANG: the files a model is trained from, in a fixed order
    local f
    for f in "$NLU_DIR/config.yml" "$NLU_DIR/domain.yml" "$NLU_DIR/$1/nlu.yml"; do
        [[ -f $f ]] || die "missing training file $f"
        echo "$f"
    done
}

hash_files() {  # hash_files FILE...: sha256 of the files and the Rasa version (12 hex digits)
    { echo "rasa $RASA_VERSION"; cat "$@"; } | sha256sum | cut -c1-12
}

data_hash() {  # data_hash LANG: the hash of the current training data
    local files
    mapfile -t files < <(data_files "$1")
    hash_files "${files[@]}"
}

latest_model() {  # latest_model LANG: the newest trained model of LANG, or nothing (exit 1)
    local m
    m=$(ls -t "$RASA_DIR/models/$1"/nlu-*.tar.gz 2>/dev/null | head -n 1)
    [[ -n $m ]] && echo "$m"
}

cmd_train() {
    local lang t0 model log hash files
    lang=$(lang_arg "${1:-}")
    need_venv
    lock "train-$lang"
    mapfile -t files < <(data_files "$lang")
    # Train from a snapshot: the files may be edited while Rasa trains, and the model
    # must be exactly the data its name (hash) says.
    tmp="$RASA_DIR/models/$lang/.tmp-$$"  # global: the EXIT trap removes it
    rm -rf "$tmp"
    mkdir -p "$tmp/data" "$tmp/out" "$RASA_CACHE_DIRECTORY" "$MPLCONFIGDIR"
    trap 'rm -rf "${tmp:?}"' EXIT
    cp "${files[0]}" "$tmp/data/config.yml"
    cp "${files[1]}" "$tmp/data/domain.yml"
    cp "${files[2]}" "$tmp/data/nlu.yml"
    hash=$(hash_files "$tmp/data/config.yml" "$tmp/data/domain.yml" "$tmp/data/nlu.yml")
    model="$RASA_DIR/models/$lang/nlu-$hash.tar.gz"
    if [[ -s $model ]]; then
        local took="?"
        [[ -f $model.seconds ]] && took=$(cat "$model.seconds")
        touch "$model"  # the newest again: `up` serves it
        say "train $lang: model for this data (hash $hash, trained in $took s) exists, skipped: $model"
        return 0
    fi
    log="$RASA_DIR/train-$lang.log"
    say "train $lang: training from ${files[*]} (hash $hash, log $log)"
    t0=$(now)
    # cwd = the lab dir: Rasa writes nothing into the checkout.
    if ! (cd "$RASA_DIR" && nice -n 10 "$VENV/bin/rasa" train nlu \
        --config "$tmp/data/config.yml" --domain "$tmp/data/domain.yml" --nlu "$tmp/data/nlu.yml" \
        --out "$tmp/out" --fixed-model-name "nlu-$hash" </dev/null >"$log" 2>&1); then
        sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E "Error|Exception|Invalid|invalid" | tail -n 20 >&2 \
            || tail -n 30 "$log" >&2
        die "train $lang: rasa train nlu failed (log: $log)"
    fi
    [[ -s $tmp/out/nlu-$hash.tar.gz ]] || die "train $lang: no model written (log: $log)"
    local took
    took=$(since "$t0")
    # Replace the older models of this language; the move is atomic.
    find "$RASA_DIR/models/$lang" -maxdepth 1 -name 'nlu-*.tar.gz*' -delete
    echo "$took" >"$model.seconds"
    mv "$tmp/out/nlu-$hash.tar.gz" "$model"
    say "train $lang: done in $took s -> $model"
    local warnings
    warnings=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -oE "(UserWarning|WARNING)[: ].*" | cut -c1-400 || true)
    if [[ -n $warnings ]]; then
        say "train $lang: Rasa warned about the training data or config ($(wc -l <<<"$warnings")):"
        sed 's/^/    /' <<<"$warnings" | head -n 30 >&2
    fi
    if [[ $(data_hash "$lang") != "$hash" ]]; then
        say "train $lang: note: the training files changed while training; run train again"
    fi
}

# --- up / down / status ----------------------------------------------------------------------

ensure_token() {
    if [[ -n ${RUFBEREIT_RASA_TOKEN:-} ]]; then
        return 0
    fi
    mkdir -p "$RASA_DIR"
    if [[ ! -s $TOKEN_FILE ]]; then
        (umask 077 && od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$TOKEN_FILE.tmp" \
            && mv "$TOKEN_FILE.tmp" "$TOKEN_FILE")
    fi
    chmod 600 "$TOKEN_FILE"
}

token() {
    if [[ -n ${RUFBEREIT_RASA_TOKEN:-} ]]; then echo "$RUFBEREIT_RASA_TOKEN"; else cat "$TOKEN_FILE"; fi
}

pid_file() { echo "$RASA_DIR/server-$1.pid"; }

server_pid() {  # server_pid LANG: the pid of our running server, or nothing (exit 1)
    local f pid
    f=$(pid_file "$1")
    [[ -f $f ]] || return 1
    pid=$(cat "$f")
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null \
        && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "rufbereit-rasa-server" \
        && echo "$pid"
}

status_json() {  # status_json LANG: GET /status with the token (from stdin, not argv); prints the body
    local port
    port=$(port_of "$1")
    printf 'url = "http://%s:%s/status?token=%s"\n' "$HOST" "$port" "$(token)" \
        | curl -sS --fail --max-time 3 -K - 2>/dev/null
}

port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

rss_mb() { awk '/^VmRSS:/ { printf "%d", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }

cmd_up() {
    local lang port model pid log t0 body
    lang=$(lang_arg "${1:-}")
    port=$(port_of "$lang")
    need_venv
    lock "server-$lang"
    ensure_token
    model=$(latest_model "$lang") || die "up $lang: no trained model: run 'lab/rasa.sh train $lang' first"
    if [[ $(basename "$model") != "nlu-$(data_hash "$lang").tar.gz" ]]; then
        say "up $lang: note: $(basename "$model") is not trained on the current data: run 'lab/rasa.sh train $lang'"
    fi
    if pid=$(server_pid "$lang"); then
        body=$(status_json "$lang" || true)
        if [[ $body == *"$(basename "$model")"* ]]; then
            say "up $lang: already running (pid $pid, http://$HOST:$port, $(basename "$model"))"
            return 0
        fi
        say "up $lang: restarting pid $pid (other model or token)"
        stop_server "$lang"
    fi
    port_busy "$port" && die "up $lang: something else listens on $HOST:$port (not our server)"
    log="$RASA_DIR/server-$lang.log"
    : >"$log"
    chmod 600 "$log"
    t0=$(now)
    # The token reaches the server on fd 3, so it is on no command line and in no
    # environment (/proc/PID/cmdline, /proc/PID/environ).
    # 9>&-: the server must not inherit (and hold forever) our lock.
    (cd "$RASA_DIR" && exec env -u RUFBEREIT_RASA_TOKEN setsid "$VENV/bin/python" -c '
import os, sys
with os.fdopen(3) as f:
    token = f.read().strip()
sys.argv = ["rasa", *sys.argv[2:], "--auth-token", token]
from rasa.__main__ import main
main()
' rufbereit-rasa-server run --enable-api -i "$HOST" -p "$port" -m "$model" \
        </dev/null >>"$log" 2>&1 9>&- 3<<<"$(token)") &
    pid=$!
    echo "$pid" >"$(pid_file "$lang")"
    local deadline
    deadline=$(($(date +%s) + START_TIMEOUT))
    while :; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$(pid_file "$lang")"
            tail -n 30 "$log" >&2
            die "up $lang: the Rasa server exited during start-up (log: $log)"
        fi
        body=$(status_json "$lang" || true)
        [[ $body == *"$(basename "$model")"* ]] && break
        if (($(date +%s) > deadline)); then
            tail -n 20 "$log" >&2
            stop_server "$lang"
            die "up $lang: the model was not loaded within $START_TIMEOUT s (log: $log)"
        fi
        sleep 0.25
    done
    say "up $lang: ready in $(since "$t0") s (pid $pid, http://$HOST:$port, RSS $(rss_mb "$pid") MB, log $log)"
}

stop_server() {  # stop_server LANG
    local pid f
    f=$(pid_file "$1")
    if pid=$(server_pid "$1"); then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        fi
        kill -0 "$pid" 2>/dev/null && die "down $1: pid $pid does not stop"
        say "down $1: stopped pid $pid"
    fi
    rm -f "$f"
}

cmd_down() {
    local langs=(de en) lang
    [[ -n ${1:-} ]] && langs=("$(lang_arg "$1")")
    for lang in "${langs[@]}"; do
        lock "server-$lang"
        stop_server "$lang"
    done
}

cmd_status() {
    local langs=(de en) lang pid body any=1
    [[ -n ${1:-} ]] && langs=("$(lang_arg "$1")")
    for lang in "${langs[@]}"; do
        if pid=$(server_pid "$lang"); then
            body=$(status_json "$lang" || true)
            local model="?"
            [[ $body =~ \"model_file\":\"([^\"]+)\" ]] && model=${BASH_REMATCH[1]}
            if [[ -n $body ]]; then
                echo "$lang: running (pid $pid, http://$HOST:$(port_of "$lang"), model $model, RSS $(rss_mb "$pid") MB)"
                any=0
            else
                echo "$lang: starting or not answering (pid $pid, http://$HOST:$(port_of "$lang"))"
            fi
        else
            echo "$lang: stopped"
        fi
    done
    return $any
}

cmd_token() {
    ensure_token
    token
}

main() {
    local cmd="${1:-}"
    shift || true
    case "$cmd" in
        build) cmd_build ;;
        train) cmd_train "$@" ;;
        up) cmd_up "$@" ;;
        down) cmd_down "$@" ;;
        status) cmd_status "$@" || exit 3 ;;
        token) cmd_token ;;
        url) echo "http://$HOST:$(port_of "$(lang_arg "${1:-}")")" ;;
        *)
            sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
            exit 2
            ;;
    esac
}

main "$@"
