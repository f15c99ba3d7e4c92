"""Installing the project prints no warning of its own making (issue 13, item 14)."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_editable_install_is_a_plain_path_entry_without_a_warning(tmp_path: Path) -> None:
    # What `pip install -e .` asks setuptools for (PEP 660), run in a child process so its
    # warnings are seen as pip would show them.
    build = subprocess.run(
        [
            sys.executable,
            "-W",
            "always",
            "-c",
            "import sys, setuptools.build_meta as b; print(b.build_editable(sys.argv[1]))",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    said = build.stdout + build.stderr
    assert "Editable installation" not in said and "meta path finder" not in said, said
    wheel = tmp_path / build.stdout.strip().splitlines()[-1]
    with zipfile.ZipFile(wheel) as files:
        [pth] = [name for name in files.namelist() if name.endswith(".pth")]
        assert files.read(pth).decode().strip() == str(ROOT)


def test_make_installs_the_locked_pip_before_the_rest(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    plan = subprocess.run(
        ["make", "-n", "-B", f"VENV={venv}", f"{venv}/.installed"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    installs = [line for line in plan if "pip install" in line]
    assert "--require-hashes" in installs[0] and "requirements.lock" not in installs[0]
    assert "-r requirements.lock" in installs[1]
    # The pip it installs first is the lock's, and new enough to normalize extra names
    # (PEP 685, pip 23.3), so "lxml[html_clean]" finds lxml's "html-clean" extra.
    lock = (ROOT / "requirements.lock").read_text()
    version = re.search(r"^pip==(\d+)\.(\d+)", lock, re.MULTILINE)
    assert version is not None and (int(version[1]), int(version[2])) >= (23, 3)
    [bootstrap] = [line for line in plan if line.startswith("sed ")]
    pinned = subprocess.run(
        ["sh", "-c", bootstrap.split(">")[0]], cwd=ROOT, capture_output=True, text=True
    ).stdout
    assert pinned.startswith("pip==") and "--hash=sha256:" in pinned and "\nspacy" not in pinned
