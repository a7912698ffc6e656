"""Review pages (being written: see issue 7)."""


def write_review(outdir, indicators, sections, documents, texts) -> None:
    return None
