import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = ROOT / "corpus"
sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def extractor():
    from pipeline.extraction import Extractor

    return Extractor()


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory):
    """Run the CLI on a folder once per session: {name: outdir}."""
    from pipeline.cli import main

    cache = {}

    def go(folder, name=None):
        key = str(folder)
        if key not in cache:
            out = tmp_path_factory.mktemp(name or Path(folder).name)
            rc = main(["extract", str(folder), "-o", str(out), "--no-progress"])
            cache[key] = (rc, out)
        return cache[key]

    return go
