"""A .proto file compiled into a schema: its message types, ready to parse payloads.

The compiler is protoc itself, as grpcio-tools bundles it in a Python extension (no
executable to find, works in the PyInstaller bundle). Two calls: `get_protos` checks the
file and reports protoc's errors with file, line and column; then protoc writes the file and
its imports as a FileDescriptorSet, which protobuf's DescriptorPool loads. The well-known
types (google/protobuf/timestamp.proto …) come from grpcio-tools' own include folder.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from wsinspector.core.app.errors import UserError


class ProtoLoadError(UserError, ValueError):
    """A .proto file that can't be used; the message says where and why."""


@dataclass(eq=False)
class ProtoSchema:
    """The message types of one compiled .proto file (its imports' types can be used too)."""

    path: str
    message_types: tuple[str, ...]  # full names of the file's own messages, nested included
    _pool: Any = field(repr=False)
    _classes: dict[str, Any] = field(default_factory=dict, repr=False)

    def message_class(self, full_name: str) -> Any:
        """The message class of `full_name`; KeyError when the schema has no such type."""
        cached = self._classes.get(full_name)
        if cached is not None:
            return cached
        from google.protobuf import message_factory

        try:
            descriptor = self._pool.FindMessageTypeByName(full_name)
        except KeyError:
            raise KeyError(full_name) from None
        cls = self._classes[full_name] = message_factory.GetMessageClass(descriptor)
        return cls


def _include_folder() -> str:
    return str(resources.files("grpc_tools") / "_proto")


def load_proto(path: str) -> ProtoSchema:
    """Compile the .proto file at `path`; ProtoLoadError says what is wrong with it."""
    try:
        source = Path(path).expanduser()
    except RuntimeError:  # "~name" of a user the system doesn't know
        raise ProtoLoadError(f"{path}: no such user's home folder") from None
    try:
        found = source.is_file()
    except OSError as exc:  # ENAMETOOLONG, EACCES …: is_file() lets these through
        raise ProtoLoadError(f"{path}: {exc.strerror or exc}") from None
    if not found:
        raise ProtoLoadError(f"{path}: no such file")
    try:
        from google.protobuf import descriptor_pb2, descriptor_pool
        from grpc_tools import _protoc_compiler
    except ImportError as exc:  # pragma: no cover - dependencies
        raise ProtoLoadError(f"can't compile .proto files here: {exc}") from None
    folder = str(source.resolve().parent)
    includes = [folder.encode(), _include_folder().encode()]
    name = source.name.encode()
    try:
        _protoc_compiler.get_protos(name, includes)
    except _protoc_compiler.ProtocErrors as exc:
        raise ProtoLoadError(_protoc_messages(exc)) from None
    with tempfile.TemporaryDirectory(prefix="wsinspector-proto-") as scratch:
        out = Path(scratch) / "schema.pb"
        arguments = [
            b"protoc",
            *(b"--proto_path=" + include for include in includes),
            b"--include_imports",
            b"--descriptor_set_out=" + str(out).encode(),
            name,
        ]
        status = _protoc_compiler.run_main(arguments)
        if status != 0 or not out.is_file():
            raise ProtoLoadError(f"{path}: protoc failed (exit status {status})")
        raw = out.read_bytes()
    try:
        files = descriptor_pb2.FileDescriptorSet.FromString(raw).file
        pool = descriptor_pool.DescriptorPool()
        for file_proto in files:
            pool.Add(file_proto)
        own = pool.FindFileByName(source.name)
    except Exception as exc:  # a descriptor protobuf refuses: said, not raised
        raise ProtoLoadError(f"{path}: {exc}") from None
    types: list[str] = []
    pending = list(own.message_types_by_name.values())
    while pending:
        descriptor = pending.pop(0)
        if descriptor.GetOptions().map_entry:
            continue  # map<k, v> fields' hidden entry types
        types.append(descriptor.full_name)
        pending[0:0] = descriptor.nested_types
    if not types:
        raise ProtoLoadError(f"{path} defines no message type")
    return ProtoSchema(str(source), tuple(types), pool)


def _protoc_messages(exc: Exception) -> str:
    """protoc's errors as "file:line:column: message" lines (protoc counts from 0)."""
    lines = []
    for error in exc.errors():  # type: ignore[attr-defined]
        filename = _text(error.filename)
        message = _text(error.message)
        if error.line >= 0:
            lines.append(f"{filename}:{error.line + 1}:{error.column + 1}: {message}")
        else:
            lines.append(f"{filename}: {message}")
    return "\n".join(lines) or str(exc)


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
