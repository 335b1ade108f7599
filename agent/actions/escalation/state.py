"""An escalation's states and the transitions between them (pure, no I/O).

::

    created --> calling --> acknowledged                      (final)
                   |------> declined  --\
                   |------> no_answer --+--> calling (next try / next person)
                   '------> failed    --/--> exhausted        (final: everybody notified)

``declined``: the technician pressed 2; ``no_answer``: busy, not answered, or hung up
without a key; ``failed``: the call could not be made (or the agent died during it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    CREATED = "created"
    CALLING = "calling"
    ACKNOWLEDGED = "acknowledged"
    DECLINED = "declined"
    NO_ANSWER = "no_answer"
    FAILED = "failed"
    EXHAUSTED = "exhausted"


class Outcome(StrEnum):
    """How one call to a technician ended."""

    ACKNOWLEDGED = "acknowledged"  # pressed 1
    DECLINED = "declined"  # pressed 2
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    HANGUP = "hangup"  # answered, hung up without a key
    FAILED = "failed"  # could not call (ARI error, agent restart)


FINAL: frozenset[State] = frozenset({State.ACKNOWLEDGED, State.EXHAUSTED})
OPEN: frozenset[State] = frozenset(State) - FINAL
_WAITING = frozenset({State.DECLINED, State.NO_ANSWER, State.FAILED})

TRANSITIONS: dict[State, frozenset[State]] = {
    State.CREATED: frozenset({State.CALLING, State.EXHAUSTED}),
    State.CALLING: frozenset({State.ACKNOWLEDGED, State.DECLINED, State.NO_ANSWER, State.FAILED}),
    State.DECLINED: frozenset({State.CALLING, State.EXHAUSTED}),
    State.NO_ANSWER: frozenset({State.CALLING, State.EXHAUSTED}),
    State.FAILED: frozenset({State.CALLING, State.EXHAUSTED}),
    State.ACKNOWLEDGED: frozenset(),
    State.EXHAUSTED: frozenset(),
}


class TransitionError(ValueError):
    """A state change the machine does not allow."""


def check_transition(old: State, new: State) -> State:
    if new not in TRANSITIONS[old]:
        raise TransitionError(f"an escalation cannot go from {old.value} to {new.value}")
    return new


def state_after(outcome: Outcome) -> State:
    """The escalation's state once a call ended with ``outcome``."""
    if outcome is Outcome.ACKNOWLEDGED:
        return State.ACKNOWLEDGED
    if outcome is Outcome.DECLINED:
        return State.DECLINED
    if outcome is Outcome.FAILED:
        return State.FAILED
    return State.NO_ANSWER


@dataclass(frozen=True, slots=True)
class Policy:
    """How hard to try: ``attempts_per_person`` calls ``retry_after_s`` apart, then the
    next person after ``next_person_after_s``; a call rings ``ring_timeout_s``."""

    attempts_per_person: int = 2
    retry_after_s: float = 120.0
    next_person_after_s: float = 0.0
    ring_timeout_s: int = 30
    answer_timeout_s: float = 20.0  # after the last prompt, wait this long for a key


@dataclass(frozen=True, slots=True)
class NextStep:
    """``person_index`` into the call order, after ``delay_s``; None: exhausted."""

    attempt_no: int
    person_index: int
    delay_s: float


def next_step(attempts_made: int, people: int, policy: Policy) -> NextStep | None:
    """What follows ``attempts_made`` finished attempts (0: the first call, at once)."""
    n = attempts_made
    index = n // policy.attempts_per_person
    if index >= people:
        return None
    if n == 0:
        delay = 0.0
    elif n % policy.attempts_per_person == 0:
        delay = policy.next_person_after_s
    else:
        delay = policy.retry_after_s
    return NextStep(attempt_no=n, person_index=index, delay_s=delay)


def is_waiting(state: State) -> bool:
    """Between two calls (a next attempt is scheduled)."""
    return state in _WAITING or state is State.CREATED
