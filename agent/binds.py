"""``HOST:PORT`` settings for the sockets the agent serves (metrics, console)."""

from __future__ import annotations


def host_port(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{value!r} is not HOST:PORT, e.g. 127.0.0.1:9093")
    return value


def optional_bind(value: str | None) -> str | None:
    """A listening address, or None for "not served" (null, "", off, none); port 0 takes
    any free port."""
    if value is None or value.strip().lower() in ("", "off", "none"):
        return None
    return value if value.endswith(":0") else host_port(value)
