"""The `rufbereit` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from agent import __version__
from agent.config import ConfigError, Settings, load_settings
from agent.logs import setup_logging


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if args.func is rescue_callers:  # works while the profile is broken: ARI's section is enough
        code: int = rescue_callers(args)
        return code
    if args.func is _run:
        from agent.telephony import guard

        if os.environ.get(guard.ENV_SWITCH) == "parent":  # containers: the guard is PID 1
            setup_logging("INFO", os.environ.get("RUFBEREIT_LOG_FORMAT", "json"))
            return guard.supervise(list(sys.argv[1:] if argv is None else argv), args.profile)
        guard.start(args.profile)  # first: it rescues the callers of a start that fails
    try:
        settings = load_settings(args.profile)
    except ConfigError as exc:
        print(f"rufbereit: {exc}", file=sys.stderr)
        return 2
    # Only the service logs at its configured level; tools print their results and
    # keep the log for warnings, unless --log-level says otherwise.
    default_level = settings.log.level if args.func is _run else "WARNING"
    setup_logging(args.log_level or default_level, settings.log.format)
    result: int = args.func(settings, args)
    return result


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rufbereit", description="On-premises AI phone assistant for Asterisk."
    )
    p.add_argument("--version", action="version", version=f"rufbereit {__version__}")
    p.add_argument(
        "--profile",
        type=Path,
        help="business profile YAML (default: $RUFBEREIT_PROFILE or the example)",
    )
    p.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    sub = p.add_subparsers(metavar="COMMAND")

    run = sub.add_parser("run", help="answer calls until stopped (SIGINT/SIGTERM)")
    run.set_defaults(func=_run)

    rescue = sub.add_parser(
        "rescue",
        help="send every caller left in the Stasis app to the dialplan fallback "
        "(after the agent died; systemd's ExecStopPost runs it)",
    )
    rescue.set_defaults(func=rescue_callers)

    doctor = sub.add_parser(
        "doctor", help="check ARI, the Stasis app, the dialplan, the database, media, voice"
    )
    doctor.add_argument("--json", action="store_true")
    doctor.set_defaults(func=_doctor)

    calls = sub.add_parser("calls", help="recent calls from the database")
    calls.add_argument("--limit", type=int, default=10)
    calls.add_argument("--json", action="store_true")
    calls.set_defaults(func=_calls)

    config = sub.add_parser("config", help="validate the configuration and print a summary")
    config.set_defaults(func=_config)

    from agent.actions.escalation.cli import add_escalation_commands
    from agent.actions.export import add_export_commands
    from agent.analysis.cli import add_analyse_command
    from agent.console.cli import add_console_commands
    from agent.conversations.cli import add_conversations_command
    from agent.dialogue.simulate import add_simulate_command
    from agent.knowledge.cli import add_knowledge_commands
    from agent.report.cli import add_report_command
    from agent.speech.cli import add_speech_commands
    from agent.speech.say_cli import add_say_command
    from agent.storage.privacy_cli import add_privacy_commands
    from agent.understanding.cli import add_nlu_commands

    add_nlu_commands(sub)
    add_simulate_command(sub)
    add_say_command(sub)
    add_speech_commands(sub)
    add_escalation_commands(sub)
    add_export_commands(sub)
    add_conversations_command(sub)
    add_knowledge_commands(sub)
    add_analyse_command(sub)
    add_privacy_commands(sub)
    add_report_command(sub)
    add_console_commands(sub)
    return p


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from agent import network_guard

    network_guard.force_offline()  # before any model library is imported
    mode = os.environ.get("RUFBEREIT_NETWORK_GUARD", "strict")
    if mode != "off":  # "report": log only
        network_guard.install(network_guard.configured_hosts(settings), strict=mode != "report")
    from agent.app import serve
    from agent.config import resolve_profile_path

    asyncio.run(serve(settings, resolve_profile_path(args.profile)))
    return 0


def rescue_callers(args: argparse.Namespace) -> int:
    from agent.telephony.guard import prepare, run_rescue

    setup_logging(args.log_level or "WARNING", "text")
    try:
        prepared = prepare(args.profile)
    except ConfigError as exc:
        print(f"rufbereit: {exc}", file=sys.stderr)
        return 2
    summary = asyncio.run(run_rescue(prepared))
    print(summary)
    return 1 if summary.startswith("rescue failed") or "could not" in summary else 0


def _doctor(settings: Settings, args: argparse.Namespace) -> int:
    from agent.doctor import print_report, run_checks

    checks = asyncio.run(run_checks(settings))
    if args.json:
        print(json.dumps([c.as_dict() for c in checks], indent=2, ensure_ascii=False))
    else:
        print_report(checks)
    return 0 if all(c.ok for c in checks) else 1


def _calls(settings: Settings, args: argparse.Namespace) -> int:
    from agent.storage.reports import recent_calls

    rows = asyncio.run(recent_calls(settings.database.url.get_secret_value(), args.limit))
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False, default=str))
        return 0
    if not rows:
        print("no calls recorded yet")
    for r in rows:
        when = f"{r['started_at']:%Y-%m-%d %H:%M:%S}" if r["started_at"] else "?"
        who = f"{r['caller_number'] or '?':>16} -> {r['called_number'] or '?':<6}"
        duration = "-" if r["duration_s"] is None else f"{float(r['duration_s']):.1f}"
        print(f"{when}  {who}  {r['outcome'] or 'in progress':<14} {duration:>6} s")
    return 0


def _config(settings: Settings, args: argparse.Namespace) -> int:
    b = settings.business
    print(f"business:  {b.name} ({b.kind}), language {b.language}, time zone {b.timezone}")
    print(f"ARI:       {settings.ari.url} as {settings.ari.user}, app {settings.ari.app}")
    print(f"media:     {settings.media.transport}")
    print(f"handover:  {b.handover.office}")
    r = b.routing
    mode = {"overflow": f"overflow (the office rings {r.office_ring_s} s first)",
            "after_hours": "after hours only", "always": "always"}[r.mode]  # fmt: skip
    off = f"; switched off: {', '.join(r.scenarios_off)}" if r.scenarios_off else ""
    print(f"routing:   {mode}{off} (dialplan context rufbereit-inbound)")
    li = b.listen_in
    listen = (f"{', '.join(li.phones)} (key {li.takeover_key} takes over, {li.next_key} next; "
              "dialplan context rufbereit-listen)" if li and li.enabled else "off")  # fmt: skip
    print(f"listen-in: {listen}")
    people = ", ".join(p.name for p in b.on_call.people) if b.on_call else "none"
    print(f"on call:   {people}")
    print("configuration is valid")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
