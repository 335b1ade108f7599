"""Scripted whole calls and their expected outcomes: the measure of the dialogue.

A corpus is a folder of YAML files, one per scenario and language (see
``tests/conversations/README.md`` for the format). Each call is replayed through the
real dialogue engine and NLU backend at a fixed moment, with an in-memory calendar and
record store, and judged on what it left behind: records and their fields, actions,
how the call ended, the handover reason and the escalation. ``rufbereit conversations``
prints the share of calls that end right, per scenario.
"""
