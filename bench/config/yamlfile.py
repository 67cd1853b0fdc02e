"""Load a user's YAML file keeping line numbers, and turn pydantic errors into Problems.

Loading is bounded (bytes, nesting depth, nodes with aliases expanded), so a hostile file
is a Problem naming the bound, never a MemoryError or a RecursionError.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from vidbench.core.seam.errors import Problem, ValidationFailed

PathKey = tuple[str | int, ...]

MAX_YAML_BYTES = 4 * 1024**2  # the largest suite we ship is a few kB; 4 MiB is generous
MAX_YAML_DEPTH = 64  # nesting levels (PyYAML composes recursively)
MAX_YAML_NODES = 250_000  # nodes counted with every alias expanded (alias/merge-key bombs)


class _TooBig(Exception):
    """The file exceeds one of the bounds above."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents nested too deeply or with too many nodes."""

    def __init__(self, text: str):
        super().__init__(text)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        self._nodes += 1
        try:
            if self._depth > MAX_YAML_DEPTH or self._nodes > MAX_YAML_NODES:
                line = self.peek_event().start_mark.line + 1
                bound = (
                    f"nested deeper than {MAX_YAML_DEPTH} levels"
                    if self._depth > MAX_YAML_DEPTH
                    else f"more than {MAX_YAML_NODES} nodes"
                )
                raise _TooBig(bound, line)
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1


def _line_map(root: yaml.Node) -> dict[PathKey, int]:
    """Field path → line, walking aliases as often as they are used, within the bounds.

    Walking before constructing is what bounds an alias (or merge-key) bomb: a few hundred
    bytes of anchors can stand for billions of nodes once expanded.
    """
    out: dict[PathKey, int] = {(): root.start_mark.line + 1}
    stack: list[tuple[yaml.Node, PathKey]] = [(root, ())]
    visited = 0
    while stack:
        node, path = stack.pop()
        visited += 1
        if visited > MAX_YAML_NODES or len(path) > MAX_YAML_DEPTH:
            raise _TooBig(
                f"expands to more than {MAX_YAML_NODES} nodes or {MAX_YAML_DEPTH} levels "
                "(anchors and aliases used many times over, or recursively)",
                node.start_mark.line + 1,
            )
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                out[path + (key,)] = key_node.start_mark.line + 1
                stack.append((value_node, path + (key,)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                out[path + (index,)] = item.start_mark.line + 1
                stack.append((item, path + (index,)))
    return out


def _read_text(path: Path) -> str:
    """The file's text; at most MAX_YAML_BYTES are read (so /dev/zero or a FIFO ends too)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_YAML_BYTES + 1)
    except FileNotFoundError:
        raise ValidationFailed([Problem(str(path), "(file)", "file not found")]) from None
    except IsADirectoryError:
        raise ValidationFailed([Problem(str(path), "(file)", "a directory, not a file")]) from None
    if len(raw) > MAX_YAML_BYTES:
        raise ValidationFailed(
            [Problem(str(path), "(file)", f"larger than {MAX_YAML_BYTES} bytes")]
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed([Problem(str(path), "(file)", f"not UTF-8 text: {exc}")]) from None


def _compose_and_construct(text: str) -> tuple[Any, dict[PathKey, int]]:
    """Compose once (bounded), check the expanded size, then construct from the same nodes."""
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines = _line_map(node)
        return loader.construct_document(node), lines
    finally:
        loader.dispose()


def load_yaml(path: Path) -> tuple[Any, dict[PathKey, int]]:
    """Parse a YAML file; return the data and a map from field path to line number."""
    text = _read_text(path)
    try:
        return _compose_and_construct(text)
    except _TooBig as exc:
        raise ValidationFailed([Problem(str(path), "(size)", exc.message, exc.line)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise ValidationFailed(
            [Problem(str(path), "(syntax)", f"invalid YAML: {getattr(exc, 'problem', exc)}", line)]
        ) from None


def format_location(loc: PathKey) -> str:
    """('models', 1, 'adapter') → 'models[1].adapter'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def line_for(lines: dict[PathKey, int], loc: PathKey) -> int | None:
    """The line of the deepest known prefix of `loc`."""
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return None


def _expected(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    msg = str(err.get("msg", ""))
    if kind == "extra_forbidden":
        return "unknown key (typo?) — remove it or check the spelling"
    if kind == "missing":
        return "required field is missing"
    return msg


def problems_from_validation(
    exc: ValidationError, file: str, lines: dict[PathKey, int], prefix: PathKey = ()
) -> list[Problem]:
    """Every pydantic error as a Problem naming file, line, field and expectation."""
    problems = []
    for err in exc.errors():
        loc = prefix + tuple(
            p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))
        )
        problems.append(
            Problem(file, format_location(loc), _expected(dict(err)), line_for(lines, loc))
        )
    return problems


def parse_model(model: type[BaseModel], data: Any, file: str, lines: dict[PathKey, int]) -> Any:
    """Validate `data` against `model`, raising ValidationFailed with every problem."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            [Problem(file, "(top level)", "expected a mapping of keys to values")]
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(problems_from_validation(exc, file, lines)) from None
