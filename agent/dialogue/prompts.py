"""Every sentence the assistant says that is not business text, per language.

The words live in data files, one per language (``language/de.yaml``,
``language/en.yaml``); business text (greeting, privacy notice, facts, safety advice,
product and appointment names) comes from the profile. ``say(key, language,
**values)`` formats a prompt.
"""

from __future__ import annotations

from typing import Any

from agent.language import pack
from agent.profile import Language


def say(key: str, language: Language, **values: Any) -> str:
    """The prompt ``key`` in ``language``, formatted with ``values``."""
    said = phrase(key, language, **values)
    return said[:1].upper() + said[1:]  # a sentence starting with a value ('am Dienstag ...')


def phrase(key: str, language: Language, **values: Any) -> str:
    """A part of a sentence (not capitalised): 'am Montag ab 7:30 Uhr'."""
    text = pack(language).prompt(key)
    return text.format(**values) if values else text
