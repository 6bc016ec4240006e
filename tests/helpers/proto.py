"""A small .proto schema written at test time, for the protobuf decoder's tests."""

from __future__ import annotations

from pathlib import Path

TICK_PROTO = """\
syntax = "proto3";
package demo;

import "google/protobuf/timestamp.proto";

message Tick {
  string symbol = 1;
  double price = 2;
  repeated int32 sizes = 3;
  Inner inner = 4;
  google.protobuf.Timestamp at = 5;
  message Note { string text = 1; }
  Note note = 6;
}

message Inner { bytes blob = 1; }
"""


def write_tick_proto(folder: Path) -> Path:
    path = folder / "tick.proto"
    path.write_text(TICK_PROTO, encoding="utf-8")
    return path
