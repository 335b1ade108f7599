"""The guard: a small process beside ``rufbereit run`` that rescues the agent's callers
the moment the agent ends, however it ends.

``rufbereit run`` starts it first, before it reads its profile or loads a model, and keeps
the write end of a pipe whose read end is the guard's stdin. The kernel closes that end
when the agent's process ends for any reason (a clean stop, a crash, SIGKILL, the OOM
killer, a start that fails), so the guard's read returns at once and it runs
:func:`agent.telephony.rescue.rescue`: every caller still in the Stasis app goes to the
dialplan fallback, the app's bridges are removed so new calls fail over, and the calls'
records are closed. Then it exits.

Why a process of our own: Asterisk keeps a channel in a Stasis app whose websocket has
gone (the agent may come back), and no process supervisor knows about channels. systemd's
``ExecStopPost=`` (docker/rufbereit.service runs ``rufbereit rescue`` there too) only runs
under systemd and after the unit's stop; the pipe works under any supervisor, in a
container, and by hand, within milliseconds.

The guard ignores SIGINT and SIGTERM (a Ctrl-C or a service stop reaches the whole
process group; the guard must outlive the agent to do its job) and takes no calls of its
own. It reads its settings at start; a profile that does not load then (the failed start
it is there for) is read again, ARI's section alone, when it is needed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from agent.config import ConfigError

log = logging.getLogger("agent.telephony.guard")

#: "off": no guard (a harness that rescues itself); "parent": the guard is the parent
#: process and runs the agent as its child (containers: see supervise)
ENV_SWITCH = "RUFBEREIT_GUARD"
_lifeline: int | None = None  # the pipe's write end, open for the agent's whole life


def start(profile: Path | None) -> subprocess.Popen[bytes] | None:
    """Start the guard for this process (None when switched off or it cannot start:
    the agent runs anyway, the systemd unit's ExecStopPost is the second line)."""
    global _lifeline
    if os.environ.get(ENV_SWITCH, "").lower() in ("off", "0", "no", "false", "parent"):
        return None
    read_end, write_end = os.pipe()  # both non-inheritable: no other child keeps it open
    cmd = [sys.executable, "-m", "agent.telephony.guard", "--agent-pid", str(os.getpid())]
    if profile is not None:
        cmd += ["--profile", str(profile)]
    try:
        proc = subprocess.Popen(cmd, stdin=read_end, close_fds=True)
    except OSError as exc:
        os.close(read_end)
        os.close(write_end)
        print(f"rufbereit: the guard did not start ({exc}); running without it", file=sys.stderr)
        return None
    os.close(read_end)
    _lifeline = write_end
    return proc


@dataclass(frozen=True)
class Prepared:
    ari_url: str
    ari_user: str
    ari_password: str
    app: str
    office: str | None
    ring_timeout_s: int | None
    database_url: str | None
    ca_file: str | None = None


def prepare(profile: Path | None) -> Prepared:
    """What the rescue needs: the whole profile if it loads, else ARI's section alone
    (ConfigError if even that is missing)."""
    from agent.config import ari_settings, env_value, load_settings

    try:
        settings = load_settings(profile)
    except ConfigError:
        ari = ari_settings(profile)
        database = env_value(os.environ, "RUFBEREIT_DATABASE_URL")  # the records, if set
        return Prepared(ari.url, ari.user, ari.password.get_secret_value(), ari.app,
                        None, None, database, _ca(ari.ca_file))  # fmt: skip
    ari = settings.ari
    handover = settings.business.handover
    return Prepared(
        ari.url,
        ari.user,
        ari.password.get_secret_value(),
        ari.app,
        handover.office,
        handover.ring_timeout_s,
        settings.database.url.get_secret_value(),
        _ca(ari.ca_file),
    )


def _ca(path: Path | None) -> str | None:
    return str(path) if path is not None else None


async def run_rescue(prepared: Prepared) -> str:
    """Rescue the app's callers and close their records; a one-line summary."""
    from agent.telephony.ari_rest import AriRest
    from agent.telephony.rescue import FallbackTarget, close_records, rescue

    ca_file = Path(prepared.ca_file) if prepared.ca_file else None
    ari = AriRest(prepared.ari_url, prepared.ari_user, prepared.ari_password, prepared.app,
                  request_timeout=3.0, ca_file=ca_file)  # fmt: skip
    try:
        report = await rescue(ari, FallbackTarget(prepared.office, prepared.ring_timeout_s))
    finally:
        await ari.aclose()
    closed = 0
    if prepared.database_url and report.callers:
        closed = await close_records(prepared.database_url, report.callers)
    return report.summary() + (f"; {closed} call record(s) closed" if closed else "")


def _wait_for_eof() -> None:
    while True:
        try:
            if not os.read(0, 4096):
                return
        except InterruptedError:
            continue
        except OSError:
            return


def supervise(agent_args: list[str], profile: Path | None) -> int:
    """The guard as the parent: run ``python -m agent <agent_args>`` as a child, pass it
    SIGTERM/SIGINT/SIGHUP, reap every orphan meanwhile (as PID 1 in a container must),
    and once the agent has ended, rescue its callers; the agent's exit status.

    For containers (the Dockerfile sets RUFBEREIT_GUARD=parent): there the agent must not
    be PID 1, because when PID 1 ends the kernel kills everything else in the container,
    a guard beside it included, before it could rescue anyone."""
    env = {**os.environ, ENV_SWITCH: "off"}
    child = subprocess.Popen([sys.executable, "-m", "agent", *agent_args], env=env)

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, forward)
    try:
        prepared: Prepared | None = prepare(profile)
    except ConfigError:
        prepared = None
    status = _reap_until(child.pid)
    _rescue_now(prepared, profile, child.pid)
    return status


def _reap_until(pid: int) -> int:
    """Wait for any child until ``pid`` has ended; its exit status as a shell gives it."""
    while True:
        try:
            done, status = os.waitpid(-1, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            return 1
        if done == pid:
            return os.waitstatus_to_exitcode(status) if status >= 0 else 1


def _rescue_now(prepared: Prepared | None, profile: Path | None, agent_pid: int) -> int:
    t0 = time.monotonic()
    if prepared is None:
        try:
            prepared = prepare(profile)
        except ConfigError as exc:
            log.error("guard: cannot rescue callers: no ARI settings", extra={"error": str(exc)})
            return 1
    summary = asyncio.run(run_rescue(prepared))
    quiet = summary.startswith("0 caller(s)") and "could not" not in summary
    log.log(
        logging.INFO if quiet else logging.WARNING,
        "guard: the agent ended; rescue done",
        extra={"agent_pid": agent_pid, "summary": summary,
               "ms": round((time.monotonic() - t0) * 1000)},
    )  # fmt: skip
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agent.telephony.guard")
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--agent-pid", type=int, default=0)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    from agent.logs import setup_logging

    setup_logging("INFO", os.environ.get("RUFBEREIT_LOG_FORMAT", "json"))
    prepared: Prepared | None
    try:
        prepared = prepare(args.profile)
    except ConfigError:
        prepared = None  # read again when needed: the agent is about to say why
    _wait_for_eof()
    return _rescue_now(prepared, args.profile, args.agent_pid)


if __name__ == "__main__":
    raise SystemExit(main())
