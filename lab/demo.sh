#!/usr/bin/env bash
# The demo: start the agent against the lab with German voice (lab/demo_profile.py:
# Whisper base, closed today, Thomas Huber on call), then a German caller books an
# appointment by voice and reports an emergency that rings the technician's phone
# (lab/demo_call.py); prints both sides of each call, what was stored and the reply
# times. Expects `make lab-up` to have run (make demo does).
#   lab/demo.sh              (re)start the demo agent and place the demo calls
#   lab/demo.sh start-agent  start the demo agent in the background
#   lab/demo.sh stop-agent   stop it (callers are handed to the fallback first)
set -euo pipefail
cd "$(dirname "$0")/.."
LAB_DIR=${RUFBEREIT_LAB_DIR:-/var/tmp/rufbereit-lab}
PYTHON=${PYTHON:-python3}
PIDFILE="$LAB_DIR/agent.pid"
LOG="$LAB_DIR/agent.log"
PROFILE="$LAB_DIR/demo-profile.yaml"
mkdir -p "$LAB_DIR"

agent_running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

start_agent() {
  if agent_running; then echo "agent: already running (pid $(cat "$PIDFILE"))"; return; fi
  "$PYTHON" -m lab.demo_profile "$PROFILE"  # closed today, on call now: made afresh
  local from
  from=$(($(stat -c %s "$LOG" 2>/dev/null || echo 0) + 1))  # only this run's lines count
  RUFBEREIT_PROFILE="$PROFILE" setsid "$PYTHON" -m agent --log-level INFO run >>"$LOG" 2>&1 < /dev/null &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 300); do
    if tail -c "+$from" "$LOG" 2>/dev/null | grep -q "rufbereit is answering calls"; then
      echo "agent: running (pid $(cat "$PIDFILE")), log $LOG"; return
    fi
    agent_running || { echo "agent: exited; last log lines:" >&2; tail -20 "$LOG" >&2; exit 1; }
    sleep 0.2
  done
  echo "agent: did not start answering calls within 60 s; log $LOG" >&2; exit 1
}

stop_agent() {
  agent_running || { rm -f "$PIDFILE"; return 0; }
  local pid; pid=$(cat "$PIDFILE")
  kill -TERM "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
  echo "agent: stopped"
}

# The web console the agent serves: a demo owner whose password is made once and kept
# in the lab directory (readable by root only).
console_user() {
  local pwfile="$LAB_DIR/console-password"
  if [ ! -s "$pwfile" ]; then
    (umask 077; "$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(12))' >"$pwfile")
  fi
  RUFBEREIT_PROFILE="$PROFILE" "$PYTHON" -m agent users add demo --role owner --password-stdin \
    <"$pwfile" >/dev/null 2>&1 || true  # there already
  echo "Web console: http://127.0.0.1:8080/ (user demo, password in $pwfile)"
}

case "${1:-demo}" in
  start-agent) start_agent ;;
  stop-agent) stop_agent ;;
  demo)
    stop_agent >/dev/null  # a fresh profile: closed today, on call now
    : >"$LOG"
    start_agent
    "$PYTHON" -m lab.demo_call
    console_user
    echo "The agent keeps answering calls to 800 (log: $LOG). Try: rufbereit doctor; rufbereit calls"
    echo "Stop everything with: make lab-down"
    ;;
  *) echo "usage: $0 [demo|start-agent|stop-agent]" >&2; exit 2 ;;
esac
