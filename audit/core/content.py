"""Where the project's content is: rubrics/, probes/, reports/, data/.

The checkout's folders come first (so edits take effect without reinstalling); an installed
wheel carries the same folders under `audit/_content/`.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from audit.core.errors import ContentNotFound

__all__ = ["content_root", "content_dir", "list_records", "file_sha256"]

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # audit/
_FOLDERS = ("rubrics", "probes", "reports", "data")


@lru_cache(maxsize=1)
def content_root() -> Path:
    """The folder holding rubrics/, probes/, reports/ and data/."""
    checkout = _PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "rubrics").is_dir():
        return checkout
    bundled = _PACKAGE_DIR / "_content"
    if (bundled / "rubrics").is_dir():
        return bundled
    raise ContentNotFound("cannot find the rubrics/ folder: neither in a checkout nor inside the installed package")


def content_dir(name: str) -> Path:
    if name not in _FOLDERS:
        raise ValueError(f"unknown content folder {name!r}")
    return content_root() / name


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def list_records() -> list[Path]:
    return sorted(content_dir("data").joinpath("disclosures").rglob("*.yaml"))
