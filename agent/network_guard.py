"""No outbound connection except to the hosts the configuration names.

Everything runs on the company's machine: no audio, no text, no telemetry leaves it.
Two parts:

- :func:`force_offline` tells the model libraries to stay offline before any of them is
  imported (Hugging Face hub and transformers: no model look-ups or downloads at run
  time; Rasa: no telemetry). Models come from ``rufbereit models pull``, done beforehand.
- :func:`install` adds a Python audit hook (PEP 578, the interpreter's own mechanism: no
  library does this) that sees every ``socket.connect`` and ``getaddrinfo`` of the
  process. A destination that is not loopback and not a configured host (ARI, the
  database, SMTP, the SMS gateway, the webhook, CalDAV, Rasa, AMI) is logged, once per
  host, and refused (``PermissionError`` from the connect) unless ``strict`` is off.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import sys
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from agent.config import Settings

log = logging.getLogger(__name__)

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "RASA_TELEMETRY_ENABLED": "false",
    "DO_NOT_TRACK": "1",
}


def force_offline(env: MutableMapping[str, str] | None = None) -> None:
    """Model libraries offline (an admin's explicit setting wins)."""
    env = os.environ if env is None else env
    for key, value in OFFLINE_ENV.items():
        env.setdefault(key, value)


def configured_hosts(settings: Settings) -> set[str]:
    """Host names and addresses the configuration tells the agent to talk to."""
    urls = [settings.ari.url, settings.database.url.get_secret_value(), settings.nlu.rasa_url]
    for section in (settings.sms, settings.webhook, settings.caldav):
        urls.append(getattr(section, "url", None) if section is not None else None)
    hosts = {urlsplit(u).hostname for u in urls if u}
    if settings.smtp is not None:
        hosts.add(settings.smtp.host)
    if settings.ami is not None:
        hosts.add(settings.ami.host)
    return {h.lower() for h in hosts if h}


@dataclass
class Policy:
    hosts: set[str]
    addresses: set[str] = field(default_factory=set)
    strict: bool = True
    refused: list[str] = field(default_factory=list)  # destinations refused or reported

    def allows(self, host: str) -> bool:
        host = host.lower().strip("[]")
        if host in self.hosts or host in self.addresses or host in ("localhost", ""):
            return True
        try:
            ip = ipaddress.ip_address(host.split("%")[0])
        except ValueError:
            return False
        return ip.is_loopback or ip.is_unspecified


_policy: Policy | None = None
_hook_installed = False


def install(hosts: Iterable[str], *, strict: bool = True) -> Policy:
    """Guard this process's outbound connections (the hook stays for the process's life;
    a later ``install`` replaces the policy, :func:`uninstall` switches it off)."""
    global _policy, _hook_installed
    policy = Policy({h.lower() for h in hosts}, strict=strict)
    for host in list(policy.hosts):  # what the names resolve to now
        try:
            infos = socket.getaddrinfo(host, None)
        except OSError:
            continue
        policy.addresses |= {str(info[4][0]) for info in infos}
    _policy = policy
    if not _hook_installed:
        sys.addaudithook(_audit)
        _hook_installed = True
    return policy


def uninstall() -> None:
    global _policy
    _policy = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    policy = _policy
    if policy is None:
        return
    if event == "socket.getaddrinfo":
        host = args[0]
    elif event == "socket.connect":
        address = args[1]
        if not isinstance(address, tuple):  # a unix socket: local
            return
        host = address[0]
    else:
        return
    if host is None:
        return
    host = host.decode() if isinstance(host, bytes) else str(host)
    if policy.allows(host):
        return
    if host not in policy.refused:
        policy.refused.append(host)
        log.warning(
            "outbound connection to a host the configuration does not name",
            extra={"host": host, "refused": policy.strict},
        )
    if policy.strict:
        raise PermissionError(f"rufbereit: no outbound connection to {host} (not configured)")
