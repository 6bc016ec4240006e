"""Where wsinspector keeps its files: the per-user configuration, data and state folders."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "wsinspector"


def config_dir() -> Path:
    """Profiles and settings: WSINSPECTOR_CONFIG_DIR when set, else the platform's place."""
    override = os.environ.get("WSINSPECTOR_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    """The capture database: WSINSPECTOR_DATA_DIR when set, else the platform's place."""
    override = os.environ.get("WSINSPECTOR_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME))


def state_dir() -> Path:
    """The log of unexpected errors: WSINSPECTOR_STATE_DIR when set, else the platform's place."""
    override = os.environ.get("WSINSPECTOR_STATE_DIR")
    return Path(override) if override else Path(platformdirs.user_state_dir(APP_NAME))
