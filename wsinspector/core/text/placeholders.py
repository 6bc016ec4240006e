"""The `{{name}}` reference to a variable: its syntax, shared by the variables that resolve it
and the secrets policy that knows a reference holds no secret of its own.

A reference is `{{name}}` (blanks inside the braces allowed: `{{ name }}`), where a name is a
letter or underscore followed by letters, digits, `_`, `-` or `.`; a name after `$` is a
dynamic value (`{{$timestamp}}`, core/storage/profiles/dynamic.py).
"""

from __future__ import annotations

import re
from typing import Final

REFERENCE: Final = re.compile(r"\{\{\s*(\$?[A-Za-z_][A-Za-z0-9_.\-]*)\s*\}\}")
