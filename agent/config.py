"""One validated configuration: the YAML business profile plus environment variables.

The YAML file holds the business profile (``business:``) and may hold the
system settings too (``ari:``, ``database:``, ``media:``, ``speech:``, ``log:``).
Environment variables (table ``ENV_VARS``) override the file, so secrets can stay
out of it. Invalid configuration raises :class:`ConfigError`, whose message names
each bad field and how to fix it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from agent.actions.settings import (
    CalDavSettings,
    ReminderSettings,
    SmsSettings,
    SmtpSettings,
    WebhookSettings,
)
from agent.analysis.settings import CdrSettings
from agent.binds import host_port, optional_bind
from agent.console.settings import ConsoleSettings
from agent.profile import BusinessProfile, Language
from agent.report.settings import ReportSettings
from agent.speech.settings import SttSettings
from agent.speech.tts_settings import TtsSettings

DEFAULT_PROFILE = "mueller-sanitaer.yaml"

# Environment variable -> dotted path in the configuration.
ENV_VARS: dict[str, str] = {
    "RUFBEREIT_ARI_URL": "ari.url",
    "RUFBEREIT_ARI_USER": "ari.user",
    "RUFBEREIT_ARI_PASSWORD": "ari.password",
    "RUFBEREIT_ARI_APP": "ari.app",
    "RUFBEREIT_ARI_CA_FILE": "ari.ca_file",
    "RUFBEREIT_AMI_HOST": "ami.host",
    "RUFBEREIT_AMI_USER": "ami.user",
    "RUFBEREIT_AMI_PASSWORD": "ami.password",
    "RUFBEREIT_DATABASE_URL": "database.url",
    "RUFBEREIT_SPOOL_DIR": "database.spool_dir",
    "RUFBEREIT_LANGUAGE": "business.language",
    "RUFBEREIT_HTTP_BIND": "http.bind",
    "RUFBEREIT_CONSOLE_BIND": "console.bind",
    "RUFBEREIT_KNOWLEDGE_DIR": "business.knowledge.dir",
    "RUFBEREIT_MEDIA_TRANSPORT": "media.transport",
    "RUFBEREIT_AUDIOSOCKET_BIND": "media.audiosocket_bind",
    "RUFBEREIT_AUDIOSOCKET_ADVERTISE": "media.audiosocket_advertise",
    "RUFBEREIT_TTS_ENGINE": "tts.engine",
    "RUFBEREIT_STT_BACKEND": "stt.backend",
    "RUFBEREIT_VOSK_MODEL": "stt.vosk_model",
    "RUFBEREIT_WHISPER_MODEL": "stt.whisper_model",
    "RUFBEREIT_MODELS_DIR": "stt.models_dir",
    "RUFBEREIT_NLU_BACKEND": "nlu.backend",
    "RUFBEREIT_NLU_DATA": "nlu.data_dir",
    "RUFBEREIT_NLU_CACHE": "nlu.cache_dir",
    "RUFBEREIT_RASA_URL": "nlu.rasa_url",
    "RUFBEREIT_RASA_TOKEN": "nlu.rasa_token",
    "RUFBEREIT_CALDAV_URL": "caldav.url",
    "RUFBEREIT_CALDAV_USER": "caldav.user",
    "RUFBEREIT_CALDAV_PASSWORD": "caldav.password",
    "RUFBEREIT_SMTP_HOST": "smtp.host",
    "RUFBEREIT_SMTP_USER": "smtp.user",
    "RUFBEREIT_SMTP_PASSWORD": "smtp.password",
    "RUFBEREIT_SMTP_SENDER": "smtp.sender",
    "RUFBEREIT_SMS_URL": "sms.url",
    "RUFBEREIT_SMS_TOKEN": "sms.token",
    "RUFBEREIT_WEBHOOK_URL": "webhook.url",
    "RUFBEREIT_WEBHOOK_SECRET": "webhook.secret",
    "RUFBEREIT_CDR_CSV": "cdr.csv",
    "RUFBEREIT_CDR_DATABASE_URL": "cdr.database_url",
    "RUFBEREIT_LOG_LEVEL": "log.level",
    "RUFBEREIT_LOG_FORMAT": "log.format",
}
_ENV_FOR_PATH = {path: env for env, path in ENV_VARS.items()}


class ConfigError(Exception):
    """Configuration is invalid; the message lists each field and its fix."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AriSettings(Section):
    url: str = "http://127.0.0.1:8088/ari"
    user: str = "rufbereit"
    password: SecretStr
    app: str = Field("rufbereit", pattern=r"^[A-Za-z0-9_.-]+$")
    connect_timeout_s: float = Field(10.0, gt=0)
    ca_file: Path | None = Field(
        None, description="PEM of the CA that signed the PBX's certificate, for an https URL"
    )

    @field_validator("ca_file")
    @classmethod
    def _readable_ca(cls, v: Path | None) -> Path | None:
        if v is not None and not v.is_file():
            raise ValueError(
                f"the CA certificate {str(v)!r} does not exist; give the PEM file of the CA "
                f"that signed Asterisk's certificate (http.conf tlscertfile), or remove ari.ca_file"
            )
        return v

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{v!r} is not an http(s) URL like http://127.0.0.1:8088/ari")
        if parts.username or parts.password:
            raise ValueError(
                "put the ARI user and password in ari.user / ari.password, not the URL"
            )
        return v.rstrip("/")

    @property
    def media_ws_base(self) -> str:
        """Base URL of chan_websocket's /media endpoint (same HTTP server as ARI)."""
        parts = urlsplit(self.url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        return f"{scheme}://{parts.netloc}/media"


class AmiSettings(Section):
    """Optional: lets `rufbereit doctor` read the dialplan (ARI cannot)."""

    host: str = "127.0.0.1"
    port: int = Field(5038, gt=0, lt=65536)
    user: str
    password: SecretStr


class DatabaseSettings(Section):
    url: SecretStr = SecretStr("postgresql://postgres@127.0.0.1:5433/rufbereit")
    spool_dir: Path = Path("/var/spool/rufbereit")

    @field_validator("url")
    @classmethod
    def _pg_url(cls, v: SecretStr) -> SecretStr:
        scheme = urlsplit(v.get_secret_value()).scheme
        if scheme not in ("postgresql", "postgres"):
            raise ValueError("must be a postgresql://USER:PASSWORD@HOST:PORT/DBNAME URL")
        return v


class MediaSettings(Section):
    transport: Literal["websocket", "audiosocket"] = "websocket"
    audiosocket_bind: str = "127.0.0.1:9093"
    audiosocket_advertise: str | None = Field(
        None, description="HOST:PORT Asterisk connects to; defaults to audiosocket_bind"
    )
    setup_timeout_s: float = Field(5.0, gt=0)

    @field_validator("audiosocket_bind", "audiosocket_advertise")
    @classmethod
    def _check_host_port(cls, v: str | None) -> str | None:
        return None if v is None else host_port(v)

    @property
    def audiosocket_target(self) -> str:
        return self.audiosocket_advertise or self.audiosocket_bind


class NluSettings(Section):
    """Understanding. Unset fields fall back to the defaults in agent.understanding.backends."""

    backend: Literal["embedded", "rasa"] | None = None
    data_dir: Path | None = Field(None, description="training data; default models/nlu")
    cache_dir: Path | None = None
    rasa_url: str | None = None
    rasa_token: SecretStr | None = None
    rasa_timeout_s: float | None = Field(None, gt=0)


class HttpSettings(Section):
    """The agent's own HTTP endpoint: ``/metrics`` (Prometheus) and ``/healthz``."""

    bind: str | None = Field(
        "127.0.0.1:9110", description="HOST:PORT, or null for none; keep it off the internet"
    )

    @field_validator("bind")
    @classmethod
    def _check_bind(cls, v: str | None) -> str | None:
        return optional_bind(v)


class LogSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["json", "text"] = "json"


class Settings(Section):
    business: BusinessProfile
    ari: AriSettings
    ami: AmiSettings | None = None
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    media: MediaSettings = Field(default_factory=MediaSettings)
    tts: TtsSettings = Field(default_factory=TtsSettings)
    # Without an stt section the assistant greets and hands over (it cannot listen).
    stt: SttSettings | None = None
    nlu: NluSettings = Field(default_factory=NluSettings)
    # Actions: each optional; without it that channel is simply not used.
    caldav: CalDavSettings | None = None
    smtp: SmtpSettings | None = None
    sms: SmsSettings | None = None
    webhook: WebhookSettings | None = None
    reminders: ReminderSettings = Field(default_factory=ReminderSettings)
    stock_csv: Path | None = Field(None, description="articles with stock, overrides the catalogue")
    cdr: CdrSettings = Field(default_factory=CdrSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)

    @property
    def language(self) -> Language:
        return self.business.language


def example_profile_path() -> Path:
    """The bundled example profile (Müller Sanitär GmbH)."""
    return Path(str(resources.files("agent") / "profiles" / DEFAULT_PROFILE))


def example_profile_data() -> dict[str, Any]:
    """The example profile's YAML with its relative paths made absolute, to be changed and
    written elsewhere (the demo, tests) without losing its handbook."""
    path = example_profile_path()
    data = _read_yaml(path)
    _relative_to(path.parent, data, ("business", "knowledge", "dir"))
    return data


def load_settings(
    profile_path: Path | str | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Read the profile YAML, apply environment overrides, validate.

    ``profile_path`` defaults to ``$RUFBEREIT_PROFILE``, then the bundled example.
    """
    path, data = profile_data(profile_path, env)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from None


def resolve_profile_path(
    profile_path: Path | str | None = None, env: Mapping[str, str] | None = None
) -> Path:
    """The profile file used: the one named, else ``$RUFBEREIT_PROFILE``, else the example."""
    env = os.environ if env is None else env
    return Path(profile_path or env.get("RUFBEREIT_PROFILE") or example_profile_path())


def profile_data(
    profile_path: Path | str | None = None, env: Mapping[str, str] | None = None
) -> tuple[Path, dict[str, Any]]:
    """The profile's YAML with the environment's overrides, not validated (ConfigError if
    it cannot be read as YAML)."""
    env = os.environ if env is None else env
    path = resolve_profile_path(profile_path, env)
    data = _read_yaml(path)
    for var, dotted in ENV_VARS.items():
        if (value := env_value(env, var)) is not None:
            _set_dotted(data, dotted, value)
    _relative_to(path.parent, data, ("business", "knowledge", "dir"))
    return path, data


def _relative_to(base: Path, data: dict[str, Any], keys: tuple[str, ...]) -> None:
    """A relative path in the profile is relative to the profile's own folder."""
    node: Any = data
    for key in keys[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, dict) and isinstance(node.get(keys[-1]), str):
        value = Path(node[keys[-1]]).expanduser()
        node[keys[-1]] = str(value if value.is_absolute() else base / value)


def env_value(env: Mapping[str, str], var: str) -> str | None:
    """``var`` from the environment, or from a file, so that secrets need not sit in the
    environment: ``<var>_FILE`` names the file (docker secrets: /run/secrets/...), or
    systemd's credentials directory has a file named ``var`` (``LoadCredential=``).
    One trailing newline is dropped. ConfigError if a named file cannot be read."""
    if env.get(var):
        return env[var]
    path: str | None = env.get(f"{var}_FILE")
    if not path and env.get("CREDENTIALS_DIRECTORY"):
        candidate = Path(env["CREDENTIALS_DIRECTORY"]) / var
        path = str(candidate) if candidate.is_file() else None
    if not path:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(
            f"cannot read {var} from {path}: {reason}. Fix: make the file readable by the "
            f"rufbereit user, or set {var} itself."
        ) from None
    return text[:-1] if text.endswith("\n") else text


def ari_settings(
    profile_path: Path | str | None = None, env: Mapping[str, str] | None = None
) -> AriSettings:
    """Only the ARI section, for tools that must work while the rest of the profile is
    broken (the rescue after a failed start): an unreadable profile counts as empty, so
    the environment alone can give ARI's address and password."""
    env = os.environ if env is None else env
    try:
        path, data = profile_data(profile_path, env)
    except ConfigError:
        path, data = Path(str(profile_path or "")), {}
        for var, dotted in ENV_VARS.items():
            if dotted.startswith("ari.") and (value := env_value(env, var)) is not None:
                _set_dotted(data, dotted, value)
    try:
        return _AriOnly.model_validate({"ari": data.get("ari") or {}}).ari
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from None


class _AriOnly(Section):
    ari: AriSettings


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot read the business profile {path}: {exc.strerror}. "
            "Fix: set RUFBEREIT_PROFILE or --profile to an existing YAML file."
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path} is not UTF-8 text (byte {exc.start}). Fix: save it as UTF-8 "
            "(umlauts included) in your editor."
        ) from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping with a 'business:' section")
    return data


def _set_dotted(data: dict[str, Any], dotted: str, value: str) -> None:
    *parents, leaf = dotted.split(".")
    node = data
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[leaf] = value


def _describe(exc: ValidationError, path: Path) -> str:
    lines = [f"invalid configuration ({path}):"]
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"])
        msg = err["msg"]
        hint = ""
        if err["type"] == "missing":
            env_var = _ENV_FOR_PATH.get(field)
            hint = f" Fix: set {field} in the profile" + (f" or {env_var}." if env_var else ".")
        elif err["type"] == "extra_forbidden":
            hint = " Fix: remove it or check its spelling."
        else:
            env_var = _ENV_FOR_PATH.get(field)
            if env_var:
                hint = f" (also settable as {env_var})"
        lines.append(f"  - {field}: {msg}.{hint}")
    return "\n".join(lines)
