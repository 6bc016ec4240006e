"""Saved connections: profiles in a folder of JSON files, environments, secrets, {{variables}}
and pasted command lines. Qt-free; the window drives it. See docs/profiles.md."""

from wsinspector.core.storage.profiles.format import FORMAT_VERSION, ProfileFormatError
from wsinspector.core.storage.profiles.model import (
    Environments,
    MessageMode,
    Profile,
    RelaySettings,
    SavedMessage,
    SecretFlags,
    environment_misplaced,
    normalize_folder,
    profile_named,
)
from wsinspector.core.storage.profiles.store import (
    ImportResult,
    LoadProblem,
    ProfileError,
    ProfileStore,
    default_root,
)

__all__ = [
    "FORMAT_VERSION",
    "Environments",
    "ImportResult",
    "LoadProblem",
    "MessageMode",
    "Profile",
    "ProfileError",
    "ProfileFormatError",
    "ProfileStore",
    "RelaySettings",
    "SavedMessage",
    "SecretFlags",
    "default_root",
    "environment_misplaced",
    "normalize_folder",
    "profile_named",
]
