"""Regenerate python3-deps.json, the Flatpak module with wsinspector's Python dependencies.

    .venv/bin/python packaging/flatpak/update-python-deps.py

PySide6 comes from the io.qt.PySide.BaseApp base; the other runtime dependencies (pyproject.toml)
are pinned at the versions installed in the running environment, the ones the test suite ran
with, and their wheels listed with URL and SHA-256 for each architecture the manifest builds,
for the Python of the KDE 6.8 runtime (3.12). It asks pip's resolver (install --dry-run
--report) against PyPI and downloads nothing but index pages.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "python3-deps.json"
PYTHON = "3.12"  # freedesktop-sdk 24.08, under org.kde.Platform 6.8
ARCHES = ("x86_64", "aarch64")
GLIBC = "2_39"
# pyproject.toml's dependencies but PySide6, which the BaseApp provides.
PACKAGES = ("websockets", "qasync", "platformdirs", "keyring", "orjson")


def resolve(arch: str, pins: list[str]) -> list[dict[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "--isolated",
                "install",
                "--dry-run",
                "--quiet",
                "--ignore-installed",
                "--only-binary=:all:",
                "--implementation",
                "cp",
                "--python-version",
                PYTHON,
                "--abi",
                f"cp{PYTHON.replace('.', '')}",
                "--abi",
                "abi3",
                "--abi",
                "none",
                "--platform",
                f"manylinux_{GLIBC}_{arch}",
                "--platform",
                f"manylinux2014_{arch}",
                "--report",
                str(report),
                *pins,
            ],
            check=True,
        )
        installs = json.loads(report.read_text())["install"]
    return [
        {
            "url": item["download_info"]["url"],
            "sha256": item["download_info"]["archive_info"]["hashes"]["sha256"],
        }
        for item in installs
    ]


def main() -> None:
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in PACKAGES]
    arches_of: dict[tuple[str, str], list[str]] = {}
    for arch in ARCHES:
        for wheel in resolve(arch, pins):
            arches_of.setdefault((wheel["url"], wheel["sha256"]), []).append(arch)
    sources = []
    for (url, sha256), arches in sorted(
        arches_of.items(), key=lambda item: item[0][0].rsplit("/", 1)[-1]
    ):
        source: dict[str, object] = {"type": "file", "url": url, "sha256": sha256}
        if len(arches) < len(ARCHES):
            source["only-arches"] = arches
        sources.append(source)
    module = {
        "name": "python3-deps",
        "buildsystem": "simple",
        "build-commands": [
            'pip3 install --verbose --exists-action=i --no-index --find-links="file://${PWD}" '
            "--prefix=${FLATPAK_DEST} --no-build-isolation " + " ".join(pins)
        ],
        "sources": sources,
    }
    OUTPUT.write_text(json.dumps(module, indent=2) + "\n")
    print(f"{OUTPUT.name}: {len(sources)} wheels for {', '.join(pins)}")


if __name__ == "__main__":
    main()
