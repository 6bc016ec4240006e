"""The installed app finds its icons however it was installed: a wheel in a venv (what pipx
does too), `pip install --user`, and an editable install. Real pip, into temporary folders.

A checkout is what every other test runs from; the PyInstaller bundle is
tests/test_self_check.py's. Only `wsinspector.resources` is imported in the installs (it needs
nothing but the standard library), so `--no-deps` keeps each install to a second or two.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120
# What setuptools needs to build the project: the rest of the checkout stays out of the copy.
SOURCES = ("pyproject.toml", "README.md", "wsinspector")

# Run from an empty folder and with -P, so that the checkout can never be what gets imported.
PROBE = """
import sys
from pathlib import Path
import wsinspector
from wsinspector.resources import icon_path
names = sorted(path.stem for path in icon_path("app").parent.glob("*.svg"))
assert "app" in names and "send" in names, names
for name in names:
    assert icon_path(name).read_bytes().startswith(b"<svg"), name
print(Path(wsinspector.__file__).parent, len(names))
"""

EDITABLE_WHEEL = """
import sys
from pathlib import Path
from setuptools import build_meta
Path(sys.argv[1]).mkdir()
print(build_meta.build_editable(sys.argv[1]))
"""


def run(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    result = subprocess.run(
        args,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, f"{args}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result.stdout


def pip(*args: str) -> str:
    # The test interpreter's pip drives the target interpreter: no pip needed in the targets.
    return run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args])


def source_copy(folder: Path) -> Path:
    """The project's sources, so that setuptools' build/ and egg-info stay out of the checkout."""
    folder.mkdir(exist_ok=True)
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, folder / name)
    return folder


def probe(python: Path | str, where: Path, env: dict[str, str] | None = None) -> Path:
    """Runs PROBE with `python` and returns the folder wsinspector was imported from."""
    out = run([str(python), "-P", "-c", PROBE], env=env, cwd=where).split()
    assert int(out[1]) >= 11
    return Path(out[0])


def fresh_venv(folder: Path) -> Path:
    run([sys.executable, "-m", "venv", "--without-pip", str(folder)])
    return folder / "bin" / "python"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = source_copy(tmp_path_factory.mktemp("source"))
    out = tmp_path_factory.mktemp("wheel")
    # No build isolation: setuptools comes from this environment, not from the network.
    pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(out), str(source))
    (built,) = out.glob("wsinspector-*.whl")
    return built


@pytest.mark.skipif(sys.platform == "win32", reason="venv layout differs")
def test_a_wheel_in_a_venv_finds_its_icons(wheel: Path, tmp_path: Path) -> None:
    python = fresh_venv(tmp_path / "venv")
    pip("--python", str(python), "install", "--no-deps", "--no-index", str(wheel))
    package = probe(python, tmp_path)
    assert package.is_relative_to(tmp_path / "venv")


def test_a_user_install_finds_its_icons(wheel: Path, tmp_path: Path) -> None:
    # --user needs an interpreter outside any venv: the one this venv was made from.
    python = getattr(sys, "_base_executable", sys.executable)
    user_base = {"PYTHONUSERBASE": str(tmp_path / "userbase")}
    # The user base is a temporary folder: a distribution's "externally managed" marker,
    # there to protect its own packages, has nothing to protect here.
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--disable-pip-version-check",
            "--python",
            python,
            "install",
            "--user",
            "--no-deps",
            "--no-index",
            "--break-system-packages",
            str(wheel),
        ],
        env=user_base,
    )
    package = probe(python, tmp_path, env=user_base)
    assert package.is_relative_to(tmp_path / "userbase")


@pytest.mark.skipif(sys.platform == "win32", reason="venv layout differs")
def test_an_editable_install_finds_its_icons(tmp_path: Path) -> None:
    source = source_copy(tmp_path / "source")
    # PEP 660's hook, called here because the fresh venv has no setuptools to build with.
    built = run(
        [sys.executable, "-c", EDITABLE_WHEEL, str(tmp_path / "editable")], cwd=source
    ).split()[-1]
    python = fresh_venv(tmp_path / "venv")
    pip(
        "--python",
        str(python),
        "install",
        "--no-deps",
        "--no-index",
        str(tmp_path / "editable" / built),
    )
    assert probe(python, tmp_path) == source / "wsinspector"
