"""Reading a test file: plain Python, compiled with asserts that explain themselves.

A failed `assert msg.text == "hello"` should say what was compared, as pytest does. pytest's
own rewriting (`_pytest.assertion.rewrite.rewrite_asserts`) is used when pytest is
installed: it is what developers know, and it reports every sub-expression's value. pytest is
not among the application's dependencies (the packaged app does not carry it, and `_pytest`
is private API that may move), so without it a small rewriting of our own stands in
(`_ExplainAsserts`): the assertion's source and the value of each side of a comparison.

The file is read again on every load: editing it between runs is the point.
"""

from __future__ import annotations

import ast
import inspect
import types
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wsinspector.core.app.errors import UserError

TestFunction = Callable[..., Coroutine[Any, Any, object]]
# Names a file may define besides its tests: reactions of a live page.
REACTIONS = ("on_open", "on_message")


class ScriptLoadError(UserError):
    """The file can't be read or run as Python; the message says where and why."""


@dataclass(frozen=True, slots=True)
class ScriptFile:
    """One loaded file: its tests in the order they are written, and its reactions."""

    path: Path
    tests: tuple[tuple[str, TestFunction], ...]
    reactions: dict[str, TestFunction]
    module: types.ModuleType


def load_script(path: Path, *, use_pytest: bool = True) -> ScriptFile:
    """Compile and run `path` as a module; ScriptLoadError when it can't be."""
    try:
        source = path.read_bytes()
    except OSError as exc:
        raise ScriptLoadError(f"can't read {path}: {exc.strerror or exc}") from None
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise ScriptLoadError(f"{path}:{exc.lineno}: {exc.msg}") from None
    rewrite = _pytest_rewriter() if use_pytest else None
    if rewrite is not None:
        rewrite(tree, source, str(path), None)
    else:
        tree = ast.fix_missing_locations(_ExplainAsserts(source.decode()).visit(tree))
    module = types.ModuleType(path.stem)
    module.__file__ = str(path)
    module.__dict__["_ws_explain"] = _explain
    try:
        code = compile(tree, str(path), "exec", dont_inherit=True)
        exec(code, module.__dict__)
    except Exception as exc:
        raise ScriptLoadError(
            f"{path}: running the file failed: {type(exc).__name__}: {exc}"
        ) from exc
    tests: list[tuple[str, TestFunction]] = []
    reactions: dict[str, TestFunction] = {}
    for name, value in module.__dict__.items():
        if not inspect.iscoroutinefunction(value) or value.__module__ != module.__name__:
            continue
        if name.startswith("test_"):
            tests.append((name, value))
        elif name in REACTIONS:
            reactions[name] = value
    return ScriptFile(path, tuple(tests), reactions, module)


def _pytest_rewriter() -> Callable[[ast.Module, bytes, str | None, None], None] | None:
    try:
        from _pytest.assertion.rewrite import rewrite_asserts
    except ImportError:
        return None
    return rewrite_asserts


def _explain(source: str, left: object, right: object, op: str) -> str:
    return f"assert {source}\n  left:  {left!r}\n  {op} right: {right!r}"


class _ExplainAsserts(ast.NodeTransformer):
    """`assert a == b, msg` → evaluate both sides once, and on failure raise an
    AssertionError with the source and both values (msg first when given). Other asserts keep
    their meaning and get their source as the message."""

    def __init__(self, source: str) -> None:
        self._source = source

    def visit_Assert(self, node: ast.Assert) -> ast.AST | list[ast.stmt]:
        text = ast.get_source_segment(self._source, node.test) or "…"
        test = node.test
        prefix: ast.expr = node.msg if node.msg is not None else ast.Constant("")
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
            joined: ast.expr = ast.JoinedStr(
                [
                    ast.FormattedValue(prefix, -1),
                    ast.Constant(("\n" if node.msg is not None else "") + f"assert {text}"),
                ]
            )
            return ast.copy_location(ast.Assert(test=test, msg=joined), node)
        left, right = ast.Name("_ws_left", ast.Store()), ast.Name("_ws_right", ast.Store())
        load_left, load_right = ast.Name("_ws_left", ast.Load()), ast.Name("_ws_right", ast.Load())
        op = type(test.ops[0]).__name__
        explained = ast.Call(
            ast.Name("_ws_explain", ast.Load()),
            [ast.Constant(text), load_left, load_right, ast.Constant(op)],
            [],
        )
        message = ast.BinOp(
            ast.BinOp(prefix, ast.Add(), ast.Constant("\n" if node.msg is not None else "")),
            ast.Add(),
            explained,
        )
        statements: list[ast.stmt] = [
            ast.Assign([left], test.left),
            ast.Assign([right], test.comparators[0]),
            ast.If(
                ast.UnaryOp(ast.Not(), ast.Compare(load_left, test.ops, [load_right])),
                [ast.Raise(ast.Call(ast.Name("AssertionError", ast.Load()), [message], []))],
                [],
            ),
        ]
        return [ast.copy_location(statement, node) for statement in statements]
