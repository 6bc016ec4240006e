import os
import pathlib
import sys

import pytest

# Profiles' secrets go to the system keyring when one works: never a developer's real one
# from a test. Tests that need a keyring install an in-memory backend themselves.
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

sys.path.insert(0, str(pathlib.Path(__file__).parent))

from helpers import bundle

from wsinspector.app import prepare_qt_environment

prepare_qt_environment()  # the windows under test paint as the app's do

pytest_plugins = ["helpers.fixtures"]


# The PyInstaller bundle builds while the other tests run (helpers/bundle.py).
def pytest_configure(config: pytest.Config) -> None:
    bundle.configure(config)


def pytest_collection_finish(session: pytest.Session) -> None:
    bundle.start_if_needed(session)


def pytest_unconfigure(config: pytest.Config) -> None:
    bundle.unconfigure(config)


@pytest.fixture(autouse=True)
def _private_folders(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test, and every process it starts, gets its own config, data and state folders."""
    root = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("WSINSPECTOR_CONFIG_DIR", str(root / "config"))
    monkeypatch.setenv("WSINSPECTOR_DATA_DIR", str(root / "data"))
    monkeypatch.setenv("WSINSPECTOR_STATE_DIR", str(root / "state"))
