"""The wheel carries everything the tool reads at run time (the rules in patterns/, the review page's assets):
built, installed into a fresh virtual environment and run from another folder."""
import os
import shutil
import subprocess
import sys
import tomllib
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    # built from a clean copy of the sources: an in-tree build reuses the checkout's build/ folder, whose stale
    # modules once hid a subpackage missing from pyproject's package list
    src = tmp_path_factory.mktemp("src")
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("pipeline", "patterns"):
        shutil.copytree(ROOT / name, src / name, ignore=skip)
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                        "-w", str(dist), str(src)], capture_output=True, text=True)
    if r.returncode != 0 and "No module named" in r.stderr and "setuptools" in r.stderr:
        pytest.skip("setuptools is not installed in this environment")
    assert r.returncode == 0, r.stderr
    (whl,) = dist.glob("vnreport-*.whl")
    return whl


def test_every_subpackage_is_listed_for_the_wheel():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "pipeline").rglob("__init__.py")}
    assert found <= listed, f"add {sorted(found - listed)} to [tool.setuptools] packages in pyproject.toml"


def test_wheel_holds_the_rules_and_the_page_assets(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    rules = {p.name for p in (ROOT / "patterns").glob("*.toml")}
    assert rules and {f"pipeline/patterns/{n}" for n in rules} <= names
    base = ROOT / "pipeline" / "outputs" / "review" / "assets"
    assets = {p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file()}  # the page's catalogues too
    assert any(a.startswith("i18n/") for a in assets)
    assert {f"pipeline/outputs/review/assets/{n}" for n in assets} <= names
    catalogues = {str(p.relative_to(ROOT)) for p in (ROOT / "pipeline" / "locales").rglob("*.po")}
    assert catalogues and catalogues <= names  # the gettext catalogues: without them the CLI speaks English
    assert not any(n.startswith(("tests/", "corpus/")) for n in names)
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "pipeline").rglob("*.py")}
    assert modules <= names, sorted(modules - names)


def test_installed_wheel_runs_from_another_folder(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    # the dependencies come from this environment (no network here); the package itself only from the wheel
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "vnreport-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "VNREPORT_LANG"}
    r = subprocess.run([str(env_dir / "bin" / "vnreport"), "extract", str(CORPUS / "txt" / "003_6617312135f34f8a.txt"),
                        "-o", "out", "--no-progress"], cwd=work, capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert "tài liệu: 1 đạt" in r.stdout, r.stdout  # Vietnamese: the catalogue came with the wheel
    page = (work / "out" / "review" / "003_6617312135f34f8a.html").read_text(encoding="utf-8")
    assert '<html lang="vi"' in page
    assert "Traceback" not in r.stderr
    assert (work / "out" / "indicators.csv").stat().st_size > 1000
    assert (work / "out" / "review" / "003_6617312135f34f8a.html").is_file()
    where = subprocess.run([str(py), "-c", "import pipeline, pipeline.grammar as g; print(pipeline.__file__); "
                            "print(g.patterns_dir())"], cwd=work, capture_output=True, text=True, check=True)
    pkg, rules = where.stdout.split()
    assert pkg.startswith(str(env_dir)) and rules.startswith(str(env_dir)), where.stdout
