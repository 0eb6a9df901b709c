"""Load a standards file: YAML -> validated `Standard`, with the line of every error."""

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from service.standards.schema import Standard


class StandardsError(ValueError):
    """A standards file that cannot be used; the message names the file, line and reason of each problem."""


@dataclass(frozen=True, slots=True)
class LoadedStandard:
    standard: Standard
    source: str  # the YAML text, kept so every version that judged a score can be shown again
    sha256: str


def _node_at(node: yaml.Node, loc: tuple[int | str, ...]) -> yaml.Node:
    """Follow a pydantic error location through the YAML node tree, as deep as it goes."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(part)), None)
            if match is not None:  # else a missing field, or a union member's name ("PhraseSpec"): skip it
                node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def parse_standard(text: str, name: str = "<standard>") -> LoadedStandard:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark else name
        raise StandardsError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    except RecursionError as exc:  # "[[[[...": a standards file is a few levels deep
        raise StandardsError(f"{name}: not a standards file: nested too deeply") from exc
    if not isinstance(data, dict) or root is None:
        raise StandardsError(f"{name}:1: a standards file is a YAML mapping with at least a 'version'")
    try:
        standard = Standard.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False):
            place = (*err["loc"], *getattr(err.get("ctx", {}).get("error"), "loc", ()))  # a phrase's own place
            loc = tuple(p for p in place if not (isinstance(p, str) and "[" in p))
            node = _node_at(root, loc)
            path = ".".join(str(p) for p in loc) or "(top)"
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{name}:{node.start_mark.line + 1}: {path}: {msg}")
        raise StandardsError("\n".join(lines)) from exc
    return LoadedStandard(standard, text, hashlib.sha256(text.encode()).hexdigest())


def load_standard(path: Path) -> LoadedStandard:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StandardsError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return parse_standard(text, str(path))
