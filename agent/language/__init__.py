"""The assistant's words per language, as data: prompts, cue words, concepts, dialect.

One YAML file per language next to this module. Adding a language is adding a file
(and the NLU training data); no ``if language == "de"`` in the flows.

- ``prompts``: every sentence the assistant says that is not business text;
- ``cues``: word lists the dialogue listens for (yes, no, goodbye, greetings,
  closings, fillers, ...), each a list of words or phrases;
- ``concepts``: meanings for emergency signals and questions (``gas``, ``smell``, ...),
  each a list of term patterns (see :mod:`agent.understanding.meaning`);
- ``knowledge``: words for answers from documents (generic question words, synonym
  groups as space-separated words);
- ``dialect``: regional and colloquial word forms and their standard form
  ("riacht" -> "riecht"), applied before the cues and the NLU read an utterance.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from agent.profile import Language

__all__ = ["LanguagePack", "MissingWords", "pack"]


class MissingWords(KeyError):
    """A prompt or cue list that the language's file does not have."""

    def __str__(self) -> str:
        return str(self.args[0])


class LanguagePack(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    language: Language
    prompts: dict[str, str]
    cues: dict[str, list[str]] = {}
    concepts: dict[str, list[str]] = {}
    dialect: dict[str, str] = {}
    #: for answers from documents (agent/knowledge): ``generic`` words a question has
    #: besides its topic ("sagen", "gibt"), ``synonyms`` groups of words that mean the same
    #: there ("kostet", "Preis", "€")
    knowledge: dict[str, list[str]] = {}

    def prompt(self, key: str) -> str:
        try:
            return self.prompts[key]
        except KeyError:
            raise MissingWords(
                f"prompt {key!r} is missing in agent/language/{self.language}.yaml"
            ) from None

    def cue(self, key: str) -> list[str]:
        try:
            return self.cues[key]
        except KeyError:
            raise MissingWords(
                f"cue list {key!r} is missing in agent/language/{self.language}.yaml"
            ) from None


class _WordsLoader(yaml.SafeLoader):
    """YAML where every scalar is text: 'yes', 'no', 'on', 'off' are words here, not
    booleans (YAML 1.1 would turn them into True/False)."""


_WordsLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@cache
def pack(language: Language) -> LanguagePack:
    """The words of ``language`` (read once per process)."""
    text = resources.files(__package__).joinpath(f"{language}.yaml").read_text(encoding="utf-8")
    try:
        return LanguagePack.model_validate(yaml.load(text, Loader=_WordsLoader))
    except ValidationError as exc:
        raise ValueError(f"agent/language/{language}.yaml is invalid: {exc}") from None
