"""The escalation state machine and the retry plan (pure)."""

from __future__ import annotations

import pytest

from agent.actions.escalation.settings import dedupe_key
from agent.actions.escalation.state import (
    FINAL,
    Outcome,
    Policy,
    State,
    TransitionError,
    check_transition,
    next_step,
    state_after,
)


def test_final_states_allow_nothing() -> None:
    for final in FINAL:
        for state in State:
            with pytest.raises(TransitionError):
                check_transition(final, state)


def test_a_call_can_only_start_from_created_or_a_waiting_state() -> None:
    for state in (State.CREATED, State.DECLINED, State.NO_ANSWER, State.FAILED):
        assert check_transition(state, State.CALLING) is State.CALLING
    with pytest.raises(TransitionError):
        check_transition(State.CALLING, State.CALLING)  # never two calls at once
    with pytest.raises(TransitionError):
        check_transition(State.CALLING, State.EXHAUSTED)


def test_outcomes_map_to_states() -> None:
    assert state_after(Outcome.ACKNOWLEDGED) is State.ACKNOWLEDGED
    assert state_after(Outcome.DECLINED) is State.DECLINED
    assert state_after(Outcome.FAILED) is State.FAILED
    for outcome in (Outcome.BUSY, Outcome.NO_ANSWER, Outcome.HANGUP):
        assert state_after(outcome) is State.NO_ANSWER


def test_retry_plan_two_tries_each_then_next_person_then_exhausted() -> None:
    policy = Policy(attempts_per_person=2, retry_after_s=120, next_person_after_s=5)
    steps = [next_step(n, 3, policy) for n in range(7)]
    assert [(s.person_index, s.delay_s) for s in steps if s] == [
        (0, 0.0), (0, 120), (1, 5), (1, 120), (2, 5), (2, 120),
    ]  # fmt: skip
    assert steps[6] is None
    assert next_step(0, 0, policy) is None  # nobody to call at all


def test_same_emergency_same_key() -> None:
    a = dedupe_key("Rohrbruch", "Hauptstraße 5, 80331 München", "+4989123")
    b = dedupe_key("rohrbruch", "hauptstraße 5 80331 münchen", "+4917000")
    assert a == b
    assert dedupe_key("Rohrbruch", "", "+49 89 123") == dedupe_key("Rohrbruch", "", "+4989123")
    assert dedupe_key("Rohrbruch", "", "+4989123") != dedupe_key("Gasgeruch", "", "+4989123")
