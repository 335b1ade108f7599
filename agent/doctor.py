"""`rufbereit doctor`: is everything in place for calls to reach the assistant?

Each check says what it found and, when it fails, how to fix it. The doctor uses
ARI's REST side only: opening an events websocket for the app would take the
app over from a running agent.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from agent.config import Settings
from agent.telephony.ami import AmiError, contexts_loaded
from agent.telephony.ari_rest import AriHttpError, AriRest

DIALPLAN_CONTEXTS = ("rufbereit", "rufbereit-fallback")

# chan_websocket appeared in these releases (per major version).
WEBSOCKET_MIN = {20: (20, 15), 21: (21, 10), 22: (22, 5)}


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def run_checks(settings: Settings) -> list[Check]:
    checks: list[Check] = []
    rest = AriRest(
        settings.ari.url,
        settings.ari.user,
        settings.ari.password.get_secret_value(),
        settings.ari.app,
        ca_file=settings.ari.ca_file,
    )
    try:
        info = await _check_ari(rest, settings, checks)
        if info is not None:
            await _check_app(rest, settings, checks)
            await _check_dialplan(rest, settings, checks)
            await _check_transport(rest, settings, info, checks)
    finally:
        await rest.aclose()
    checks.append(await _check_database(settings))
    checks.append(await _check_voice(settings))
    return checks


async def _check_ari(
    rest: AriRest, settings: Settings, checks: list[Check]
) -> dict[str, Any] | None:
    url = settings.ari.url
    try:
        info: dict[str, Any] = await rest.request("GET", "asterisk/info")
    except AriHttpError as exc:
        if exc.status == 401:
            checks.append(
                Check(
                    "ARI",
                    False,
                    f"{url} refused user {settings.ari.user!r} (401)",
                    "set ari.user / RUFBEREIT_ARI_PASSWORD to match a user in ari.conf",
                )
            )
        else:
            checks.append(
                Check(
                    "ARI",
                    False,
                    f"{url} answered {exc.status}",
                    "check ari.url and http.conf's prefix",
                )
            )
        return None
    except httpx.HTTPError as exc:
        checks.append(
            Check(
                "ARI",
                False,
                f"nothing answers at {url} ({type(exc).__name__})",
                "is Asterisk running? enable http.conf (enabled=yes, bindaddr) and ari.conf",
            )
        )
        return None
    version = info.get("system", {}).get("version", "?")
    checks.append(Check("ARI", True, f"{url} as {settings.ari.user}: Asterisk {version}"))
    return info


async def _check_app(rest: AriRest, settings: Settings, checks: list[Check]) -> None:
    app = settings.ari.app
    try:
        await rest.request("GET", f"applications/{app}")
        checks.append(Check("Stasis app", True, f"{app!r} is registered: the agent is connected"))
    except AriHttpError:
        checks.append(
            Check(
                "Stasis app",
                False,
                f"{app!r} is not registered: calls go to the fallback",
                "start the agent: rufbereit run (or systemctl start rufbereit)",
            )
        )


async def _check_dialplan(rest: AriRest, settings: Settings, checks: list[Check]) -> None:
    dial = await _global_var(rest, "RUFBEREIT_FALLBACK_DIAL")
    where = (
        f"fallback dials {dial}"
        if dial
        else "no global RUFBEREIT_FALLBACK_DIAL: when the agent is down, callers go to voicemail "
        "or are hung up"
    )
    ami = settings.ami
    if ami is None:
        checks.append(
            Check(
                "dialplan",
                bool(dial),
                f"not read (ARI cannot; configure ami.* to check it); {where}",
                None
                if dial
                else "set RUFBEREIT_FALLBACK_DIAL in [globals]; see dialplan/README.md",
            )
        )
        return
    try:
        found = await contexts_loaded(
            ami.host, ami.port, ami.user, ami.password.get_secret_value(), DIALPLAN_CONTEXTS
        )
    except AmiError as exc:
        checks.append(Check("dialplan", False, f"AMI: {exc}", "check ami.* and manager.conf"))
        return
    missing = [c for c, ok in found.items() if not ok]
    if missing:
        checks.append(
            Check(
                "dialplan",
                False,
                f"missing context(s): {', '.join(missing)}",
                "install dialplan/extensions_rufbereit.conf (#include it), then "
                "'dialplan reload'; see dialplan/README.md",
            )
        )
    elif not dial:
        checks.append(Check("dialplan", False, where, "set RUFBEREIT_FALLBACK_DIAL in [globals]"))
    else:
        checks.append(Check("dialplan", True, f"contexts {', '.join(found)} loaded; {where}"))


async def _check_transport(
    rest: AriRest, settings: Settings, info: dict[str, Any], checks: list[Check]
) -> None:
    transport = settings.media.transport
    modules = (
        ["chan_websocket.so"]
        if transport == "websocket"
        else ["chan_audiosocket.so", "res_audiosocket.so"]
    )
    missing = []
    for module in modules:
        try:
            m = await rest.request("GET", f"asterisk/modules/{module}")
            if m.get("status") != "Running":
                missing.append(module)
        except AriHttpError:
            missing.append(module)
    version = str(info.get("system", {}).get("version", ""))
    if missing:
        hint = "load it in modules.conf (see dialplan/modules.conf.rufbereit)"
        if transport == "websocket" and not _websocket_capable(version):
            hint = f"Asterisk {version} has no chan_websocket: set media.transport=audiosocket"
        checks.append(
            Check("media", False, f"{transport}: module(s) not running: {', '.join(missing)}", hint)
        )
        return
    if transport == "audiosocket":
        host, _, port = settings.media.audiosocket_bind.rpartition(":")
        checks.append(
            Check("media", True, f"audiosocket: modules running; agent listens on {host}:{port}")
        )
    else:
        checks.append(
            Check("media", True, f"websocket: chan_websocket running (Asterisk {version})")
        )


def _websocket_capable(version: str) -> bool:
    try:
        major, minor = (int(x) for x in version.split(".")[:2])
    except ValueError:
        return False
    need = WEBSOCKET_MIN.get(major)
    return major > 22 or (need is not None and (major, minor) >= need)


async def _global_var(rest: AriRest, name: str) -> str | None:
    """A global dialplan variable (ARI reads variables, but evaluates no functions)."""
    try:
        r = await rest.request("GET", "asterisk/variable", params={"variable": name})
        value = r.get("value")
        return str(value) if value is not None else None
    except AriHttpError:
        return None


async def _check_database(settings: Settings) -> Check:
    from agent.storage import Database
    from agent.storage.migrations import pending_migrations

    db = Database(settings.database.url.get_secret_value())
    try:
        if not await asyncio.wait_for(db.healthy(), 5):
            return Check(
                "database",
                False,
                "PostgreSQL does not answer",
                "check database.url / RUFBEREIT_DATABASE_URL; meanwhile calls are answered "
                f"and their records spooled to {settings.database.spool_dir}",
            )
        pending = await pending_migrations(db)
        if pending:
            return Check(
                "database", True, f"reachable; {len(pending)} migration(s) will be applied at start"
            )
        return Check("database", True, "reachable, schema up to date")
    except Exception as exc:  # the doctor reports, it does not crash
        return Check("database", False, f"{type(exc).__name__}: {exc}", "check database.url")
    finally:
        await db.close()


async def _check_voice(settings: Settings) -> Check:
    if settings.tts.engine == "espeak" and shutil.which("espeak-ng") is None:
        return Check("voice", False, "espeak-ng is not installed", "apt-get install espeak-ng")
    from agent.app import build_tts

    try:
        pcm = await asyncio.wait_for(build_tts(settings).synthesize("Test", settings.language), 10)
    except Exception as exc:
        return Check(
            "voice",
            False,
            f"{settings.tts.engine}: {exc}",
            "see the TTS engine's install hint",
        )
    return Check("voice", True, f"{settings.tts.engine} speaks ({len(pcm) // 32} ms for 'Test')")


def print_report(checks: list[Check]) -> None:
    for c in checks:
        mark = "ok " if c.ok else "FAIL"
        print(f"[{mark}] {c.name:<11} {c.detail}")
        if not c.ok and c.fix:
            print(f"       {'':<11} fix: {c.fix}")
    bad = sum(not c.ok for c in checks)
    print("all checks passed" if not bad else f"{bad} check(s) failed")
