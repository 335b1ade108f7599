"""The business profile: what the owner configures about their company.

Everything the assistant says about the business comes from here and from the
documents it names (``knowledge``), and nowhere else (opening hours, address,
services, facts, the on-call rota). The model is
strict: unknown keys are errors, so a typo in the YAML stops start-up with the
field's name instead of being silently ignored.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agent.telephony.listen_settings import ListenIn

Language = Literal["de", "en"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_SPAN = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
# An Asterisk dial string (PJSIP/200, SIP/x, Local/600@from-internal) or a phone number.
_DIAL = re.compile(r"^([A-Za-z]+/[^\s,]+|\+?[0-9][0-9 /-]{2,})$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Texts(Strict):
    """A text in each language the assistant speaks."""

    de: str
    en: str

    def get(self, language: Language) -> str:
        return self.de if language == "de" else self.en


class TimeSpan(Strict):
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> TimeSpan:
        m = _SPAN.match(text.strip())
        if not m:
            raise ValueError(f"{text!r} is not a time span like '07:30-12:00'")
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        span = cls(start=time(h1, m1), end=time(h2, m2))
        if span.end <= span.start:
            raise ValueError(f"{text!r}: the end must be after the start")
        return span

    def contains(self, t: time) -> bool:
        return self.start <= t < self.end


class OpeningHours(Strict):
    """Per weekday a list of spans like "07:30-12:00"; a missing day is closed."""

    mon: list[TimeSpan] = []
    tue: list[TimeSpan] = []
    wed: list[TimeSpan] = []
    thu: list[TimeSpan] = []
    fri: list[TimeSpan] = []
    sat: list[TimeSpan] = []
    sun: list[TimeSpan] = []

    @field_validator("*", mode="before")
    @classmethod
    def _parse_spans(cls, value: object) -> object:
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            return [TimeSpan.parse(v) if isinstance(v, str) else v for v in value]
        return value

    def spans(self, day: Weekday) -> list[TimeSpan]:
        spans: list[TimeSpan] = getattr(self, day)
        return spans


class Address(Strict):
    street: str
    postcode: str
    city: str
    country: str = "DE"

    def one_line(self) -> str:
        return f"{self.street}, {self.postcode} {self.city}"


class Fact(Strict):
    """One thing the assistant may say, for questions about `topic`."""

    topic: str
    keywords: list[str] = []
    answer: Texts


class Retention(Strict):
    """How long each kind of record is kept, in days (``None``: kept until erased by
    hand). A daily job deletes what is due (``rufbereit privacy retention`` runs it now).
    The defaults follow what German vendors of phone assistants publish."""

    transcripts_days: int | None = Field(30, ge=1, description="what was said in calls")
    calls_days: int | None = Field(90, ge=1, description="call metadata: who, when, outcome")
    leads_days: int | None = Field(180, ge=1, description="enquiries (leads)")
    messages_days: int | None = Field(90, ge=1, description="messages and call-back requests")
    console_logins_days: int | None = Field(
        30, ge=1, description="the console's log-in attempts (with the addresses they came from)"
    )
    console_audit_days: int | None = Field(
        365, ge=1, description="the console's record of who read which transcript"
    )
    run_at: str = Field("03:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="local time")


class Economics(Strict):
    """The owner's own numbers, for what missed calls cost (``rufbereit analyse``)."""

    average_order_value: float = Field(gt=0, description="average value of a job or order won")
    close_rate: float = Field(gt=0, le=1, description="share of new-customer enquiries won, 0..1")
    new_customer_share: float = Field(
        gt=0, le=1, description="share of callers who are new customers, 0..1"
    )
    assistant_monthly_cost: float = Field(0, ge=0, description="what the assistant costs a month")
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")


class Knowledge(Strict):
    """The business's own documents, answered from when the profile has no answer."""

    dir: Path = Field(description="folder of Markdown, text, HTML and PDF files; a relative "
                      "path is relative to the profile file")  # fmt: skip
    #: the documents' language (default: the business's); callers in another language
    #: get no answer from them
    language: Language | None = None
    synonyms: list[list[str]] = Field(
        default_factory=list,
        description="groups of words that mean the same, e.g. [[therme, heizkessel, kessel]]",
    )
    min_confidence: float = Field(
        0.75, ge=0.3, le=1.0,
        description="share of the question's topic words a passage must hold to be said",
    )  # fmt: skip

    @field_validator("dir")
    @classmethod
    def _folder_exists(cls, v: Path) -> Path:
        if not v.is_dir():
            raise ValueError(
                f"the knowledge folder {str(v)!r} does not exist; create it and put the "
                f"business's documents (.md, .txt, .html, .pdf) in it, or remove "
                f"business.knowledge"
            )
        return v


class Service(Strict):
    """Something the business does; ``synonyms`` are other words callers use for it."""

    name: str
    synonyms: list[str] = []


class ServiceArea(Strict):
    """Where the business goes: place names and postcode prefixes ("80", "853")."""

    places: list[str] = []
    postcodes: list[str] = []

    @field_validator("postcodes")
    @classmethod
    def _digits(cls, v: list[str]) -> list[str]:
        for p in v:
            if not p.isdigit() or not 1 <= len(p) <= 5:
                raise ValueError(f"{p!r} is not a postcode or postcode prefix like '80' or '85354'")
        return v


class Person(Strict):
    name: str
    phone: str = Field(description="Dial string (PJSIP/1001) or number dialled via the trunk")
    sms: str | None = None
    email: str | None = None

    @field_validator("phone")
    @classmethod
    def _dialable(cls, v: str) -> str:
        if not _DIAL.match(v):
            raise ValueError(f"{v!r} is neither a dial string like PJSIP/1001 nor a phone number")
        return v


class OnCallShift(Strict):
    days: list[Weekday]
    start: time
    end: time
    person: str  # a name from on_call.people

    def covers(self, day: Weekday, t: time) -> bool:
        if day not in self.days:
            return False
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end  # a shift over midnight


class OnCallOverride(Strict):
    """A holiday or a swap: from ``start`` to ``end`` (local time) ``person`` is on call."""

    start: datetime
    end: datetime
    person: str  # a name from on_call.people
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> OnCallOverride:
        if self.end <= self.start:
            raise ValueError("an on-call override must end after its start")
        return self


class OnCall(Strict):
    people: list[Person]
    shifts: list[OnCallShift] = []
    overrides: list[OnCallOverride] = Field(
        default_factory=list, description="holidays and swaps; they win over the shifts"
    )
    fallback: list[str] = Field(
        default_factory=list, description="names called when the rota is exhausted"
    )
    attempts_per_person: int = Field(2, ge=1, le=5)
    retry_after_s: int = Field(120, ge=10, le=3600)
    ring_timeout_s: int = Field(30, ge=5, le=120)
    caller_hold_s: int = Field(
        90,
        ge=0,
        le=600,
        description="how long an emergency caller is kept on the line until a technician "
        "has taken it (then told who); 0: told they will be called back, and the call ends",
    )

    @model_validator(mode="after")
    def _names_exist(self) -> OnCall:
        names = {p.name for p in self.people}
        for s in self.shifts:
            if s.person not in names:
                raise ValueError(f"shift names {s.person!r}, who is not in on_call.people")
        for n in self.fallback:
            if n not in names:
                raise ValueError(f"fallback names {n!r}, who is not in on_call.people")
        for o in self.overrides:
            if o.person not in names:
                raise ValueError(f"override names {o.person!r}, who is not in on_call.people")
        return self


class Routing(Strict):
    """Which calls the assistant takes: the dialplan's rufbereit-inbound context reads this
    (the agent publishes it to Asterisk, see dialplan/extensions_rufbereit.conf)."""

    mode: Literal["overflow", "after_hours", "always"] = Field(
        "overflow",
        description="overflow: the office rings first, the assistant answers if nobody does "
        "(or the line is busy); after_hours: people in opening hours, the assistant outside "
        "them; always: the assistant answers at once",
    )
    office_ring_s: int = Field(
        20, ge=5, le=120, description="overflow: how long the office rings first (seconds)"
    )
    scenarios_off: list[Literal["appointment", "lead", "order", "faq"]] = Field(
        default_factory=list,
        description="requests the assistant does not take during the pilot: the caller hears "
        "a polite word and a call back is arranged (emergencies and messages are always on)",
    )


class Handover(Strict):
    """Where a caller goes who wants a person (or when the assistant cannot go on)."""

    office: str = Field(description="Dial string of the office / ring group, e.g. PJSIP/200")
    ring_timeout_s: int = Field(25, ge=5, le=120)
    warm: bool = Field(
        True,
        description="the office hears who is calling and why, and presses 1 to take the call "
        "(else a call back is arranged); false: put through without a word",
    )

    @field_validator("office")
    @classmethod
    def _dialable(cls, v: str) -> str:
        if not _DIAL.match(v):
            raise ValueError(
                f"{v!r} is not a dial string like PJSIP/200 or Local/600@from-internal"
            )
        return v


class AppointmentType(Strict):
    """A kind of appointment the assistant may book, e.g. "Heizungswartung", 60 minutes."""

    name: str
    duration_min: int = Field(ge=5, le=600)
    synonyms: list[str] = []
    label: Texts | None = Field(None, description="how it is said; default: the name")

    def say(self, language: Language) -> str:
        return self.label.get(language) if self.label else self.name


class CatalogueItem(Strict):
    """A product callers may order by phone."""

    sku: str
    name: str
    name_en: str | None = None
    synonyms: list[str] = []
    unit: Texts = Texts(de="Stück", en="piece")
    unit_plural: Texts = Texts(de="Stück", en="pieces")
    price: Decimal | None = Field(None, ge=0, description="per unit, EUR")
    stock: int | None = Field(None, ge=0, description="None: not tracked")

    def say(self, language: Language) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


class EmergencyKind(Strict):
    """A kind of incident, recognised by meaning; ``real`` ones go to the on-call rota.

    ``signals``: each a set of concepts (``agent/language/<lang>.yaml``, ``concepts:``, or
    the profile's own ``concepts``) that, all present in any order and not negated, mean
    this kind: ``[gas, smell]`` matches "im Flur riecht es total nach Gas" and "Gasgeruch
    im Keller" but not "es riecht nicht nach Gas". ``keywords``: phrases (words in this
    order, a few others between). A real kind with ``confirm`` (a yes/no question) is
    only an emergency when the caller says yes or mentions one of ``real_if`` (concept
    names or phrases; e.g. heating out: only in frost).
    """

    kind: str
    label: Texts
    keywords: list[str] = []
    signals: list[list[str]] = []
    real: bool = True
    advice: Texts | None = None
    confirm: Texts | None = None
    real_if: list[str] = []

    @model_validator(mode="after")
    def _recognisable(self) -> EmergencyKind:
        if not self.keywords and not self.signals:
            raise ValueError(f"emergency kind {self.kind!r} needs signals or keywords")
        return self


class Greetings(Strict):
    greeting: Texts
    #: Said right after the greeting; it must be true: the caller talks to an AI
    #: (EU AI Act Art. 50), no audio is recorded, the request is written down.
    privacy_notice: Texts | None = None
    #: The answer to "Wird das aufgezeichnet?" (default: agent/language, about_recording).
    recording_answer: Texts | None = None
    #: The answer to "Sind Sie ein Mensch?" (default: agent/language, about_bot).
    bot_answer: Texts | None = None


class BusinessProfile(Strict):
    name: str
    kind: str = Field(description="e.g. plumbing_heating, medical_practice, law_office, wholesale")
    language: Language = "de"
    timezone: str = "Europe/Berlin"
    phone: str | None = None
    email: str | None = None
    address: Address
    opening_hours: OpeningHours
    holidays: list[date] = []
    services: list[Service] = []
    area_served: str | None = Field(None, description="how the area is described to callers")
    area: ServiceArea = ServiceArea()
    facts: list[Fact] = []
    knowledge: Knowledge | None = None
    economics: Economics | None = None
    retention: Retention = Retention()
    caller_rating: bool = Field(
        False,
        description="after a call the assistant ended, ask the caller to rate it with a key "
        "from 1 to 5 (stored with the call; off by default)",
    )
    texts: Greetings
    handover: Handover
    routing: Routing = Routing()
    listen_in: ListenIn | None = Field(
        None,
        description="parallel operation: office phones that may listen to the assistant's "
        "calls (feature code, dialplan context rufbereit-listen) and take them over with a key",
    )
    on_call: OnCall | None = None
    # Optional sections of the dialogue (issue 5); old profiles load without them.
    appointment_types: list[AppointmentType] = []
    slot_buffer_min: int = Field(15, ge=0, le=240, description="free time between bookings")
    slot_step_min: int = Field(30, ge=5, le=240, description="appointments start on this grid")
    booking_notice_min: int = Field(120, ge=0, description="earliest booking after now")
    booking_horizon_days: int = Field(60, ge=1, le=730)
    catalogue: list[CatalogueItem] = []
    emergencies: list[EmergencyKind] = []
    concepts: dict[str, list[str]] = Field(
        default_factory=dict,
        description="the business's own words for concepts (new ones or added to the built-in "
        "ones in agent/language/<lang>.yaml), e.g. {heating: [nachtspeicher*]}",
    )

    @field_validator("services", mode="before")
    @classmethod
    def _service_names(cls, value: object) -> object:
        """A service may be just its name."""
        if isinstance(value, list):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value

    @model_validator(mode="after")
    def _known_concepts(self) -> BusinessProfile:
        """Every concept an emergency signal names exists (in both languages' word files,
        agent/language/<lang>.yaml, or the profile's own ``concepts``)."""
        from agent.language import pack  # the word files need this module: import late

        known = (set(pack("de").concepts) & set(pack("en").concepts)) | set(self.concepts)
        for n, kind in enumerate(self.emergencies):
            for signal in kind.signals:
                for entry in signal:
                    name = entry.removeprefix("not:").removeprefix("any:")
                    if name not in known:
                        raise ValueError(
                            f"emergencies[{n}] ({kind.kind}): the signal concept {name!r} is not "
                            f"known; use a concept of agent/language/de.yaml and en.yaml "
                            f"(e.g. gas, smell, water, heating, failure) or define it under "
                            f"business.concepts"
                        )
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {v!r} (use an IANA name like Europe/Berlin)"
            ) from exc
        return v

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.tz)
        if local.date() in self.holidays:
            return False
        day = WEEKDAYS[local.weekday()]
        return any(s.contains(local.time()) for s in self.opening_hours.spans(day))
