"""The ``console:`` section: where the web console listens and how it guards its log-in."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.binds import optional_bind


class ConsoleSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bind: str | None = Field(
        "127.0.0.1:8080",
        description="HOST:PORT of the web console, or off; put a TLS proxy in front of it "
        "before you bind it to anything but 127.0.0.1",
    )
    secure_cookies: bool = Field(
        False, description="send the session cookie only over https (set it behind a TLS proxy)"
    )
    session_idle_min: int = Field(480, ge=5, le=7 * 24 * 60, description="log out after idling")
    session_max_h: int = Field(7 * 24, ge=1, le=90 * 24, description="log in again after this")
    max_failed_logins: int = Field(5, ge=3, le=50, description="failures before the lock-out")
    lockout_min: int = Field(15, ge=1, le=24 * 60, description="how long a lock-out lasts")
    profile_check_s: float = Field(
        2.0, gt=0, le=60, description="how often the agent looks for a changed profile file"
    )

    @field_validator("bind")
    @classmethod
    def _check_bind(cls, v: str | None) -> str | None:
        return optional_bind(v)
