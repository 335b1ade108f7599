"""The tests' deterministic NLU backend (keyword rules + the real entity rules).

It is :class:`agent.dialogue.rules_nlu.RulesNlu`, which ``rufbereit simulate --backend
rules`` uses too, so scripted replays and these tests understand exactly alike.
"""

from agent.dialogue.rules_nlu import RulesNlu as KeywordNlu

__all__ = ["KeywordNlu"]
