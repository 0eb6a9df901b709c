"""The phrase parts of a standard: phrases with conditions, and word classes defined once for every rule.

The syntax itself lives in service.text.phrase_syntax (pure); this module checks a whole standard against it
at load, so a typo in a phrase pack fails with the file and line instead of at the first scored call.
"""

from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StringConstraints, Tag

from service.text.phrase_syntax import PhraseSyntaxError, compile_phrase

ClassName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
WordClasses = dict[ClassName, tuple[str, ...]]


class BySpeaker(BaseModel):
    """Phrase lists per speaker of the turn (a condition that depends on whose turn it is)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agent: tuple[str, ...] = ()
    customer: tuple[str, ...] = ()


class PhraseSpec(BaseModel):
    """A phrase with conditions. In YAML: `{say: "you're welcome", turn: last}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    say: str = Field(min_length=1)
    turn: Literal["first", "last"] | None = Field(
        None, description="Counts only in the speaker's first / last turn (last: once the interaction ended)."
    )
    unless_followed_by: tuple[str, ...] = Field((), description="Right after the match, these make it no match.")
    unless_preceded_by: tuple[str, ...] = Field((), description="Right before the match, these make it no match.")
    unless_turn_also: BySpeaker = Field(
        BySpeaker(),
        description="Per speaker: anywhere else in that speaker's turn, these make it no match (the turn's main "
        "act is another, e.g. a customer's thanks or refusal that a bye only signs off).",
    )


# A plain string or a mapping; the discriminator keeps a bad mapping's errors to the mapping's own fields.
Phrase = Annotated[
    Annotated[str, Tag("text")] | Annotated[PhraseSpec, Tag("spec")],
    Discriminator(lambda v: "text" if isinstance(v, str) else "spec"),
]


def phrase_text(phrase: Phrase) -> str:
    return phrase if isinstance(phrase, str) else phrase.say


def _problem(phrases: Sequence[str], classes: WordClasses) -> tuple[int, PhraseSyntaxError] | None:
    for j, phrase in enumerate(phrases):
        try:
            compile_phrase(phrase, classes)
        except PhraseSyntaxError as exc:
            return j, exc
    return None


def _problems(rules: Sequence[Mapping[Any, Sequence[Phrase]]], classes: WordClasses) -> Iterator[PhraseSyntaxError]:
    for name, members in classes.items():
        found = _problem(members, classes) or _problem([f"{{{name}}}"], classes)  # a member, or a cycle
        if found:
            yield PhraseSyntaxError(str(found[1]), ("word_classes", name, found[0]))
    for i, packs in enumerate(rules):
        for lang, phrases in packs.items():
            for j, phrase in enumerate(phrases):
                loc: tuple[int | str, ...] = ("script_rules", i, "phrases", lang, j)
                if found := _problem([phrase_text(phrase)], classes):
                    yield PhraseSyntaxError(str(found[1]), loc)
                    continue
                if isinstance(phrase, PhraseSpec):
                    for field in ("unless_followed_by", "unless_preceded_by"):
                        if found := _problem(getattr(phrase, field), classes):
                            yield PhraseSyntaxError(str(found[1]), (*loc, field, found[0]))
                    for speaker, others in phrase.unless_turn_also:
                        if found := _problem(others, classes):
                            yield PhraseSyntaxError(str(found[1]), (*loc, "unless_turn_also", speaker, found[0]))


def check_phrases(rules: Sequence[Mapping[Any, Sequence[Phrase]]], classes: WordClasses) -> None:
    """Raise the first problem of the phrase packs, located where it is written (`loc`)."""
    for problem in _problems(rules, classes):
        raise problem
