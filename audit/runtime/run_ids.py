"""Run ids and run folders that two runs never share.

An id made from the time and the model (`new_run_id`, to the second) that is taken already gets a
suffix (`-2`, `-3`, ...). The folder itself is created exclusively when collection starts
(`os.mkdir`, no `exist_ok`): should another process have taken the same id a moment before, an
automatic id moves on to the next suffix, and a `--run-id` given on the command line is an error.
A resumed run is locked (`flock` on `.lock` in its folder) while one process collects into it, so
two invocations resuming the same run at once cannot both append to its evidence.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from audit.core.controls import strip_controls
from audit.core.errors import InputError, OutputError, Problem
from audit.schema.base import is_slug

__all__ = ["check_run_id", "free_run_id", "claim_run_dir", "MAX_RUN_ID", "LOCK_NAME"]

MAX_RUN_ID = 80
MAX_SUFFIX = 999
LOCK_NAME = ".lock"


def check_run_id(run_id: str, option: str = "--run-id") -> None:
    """Refuse an id that is not a slug of at most 80 characters (shown cut short, without controls)."""
    if is_slug(run_id) and len(run_id) <= MAX_RUN_ID:
        return
    shown = strip_controls(run_id, keep_newlines=False)
    shown = shown[:40] + "…" if len(shown) > 40 else shown
    raise InputError([Problem(option, f"{shown!r} is not a valid run id (1 to {MAX_RUN_ID} characters: lowercase "
                                      "letters, digits, '.', '_', '-', starting with a letter or digit)")])


def _suffixed(base: str, n: int) -> str:
    suffix = f"-{n}"
    return base[: MAX_RUN_ID - len(suffix)].rstrip("-._") + suffix


def free_run_id(runs_dir: Path, base: str) -> str:
    """`base`, or `base-N` with the smallest N whose folder under `runs_dir` does not exist yet."""
    if not (runs_dir / base).exists():
        return base
    for n in range(2, MAX_SUFFIX + 1):
        candidate = _suffixed(base, n)
        if not (runs_dir / candidate).exists():
            return candidate
    raise InputError([Problem("--run-id", f"{MAX_SUFFIX} runs named {base} exist already in {runs_dir}")])


def _lock(root: Path, run_id: str) -> IO[bytes]:
    handle = open(root / LOCK_NAME, "ab")  # noqa: SIM115 - held open for the life of the run
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise InputError([Problem("--run-id", f"run {run_id} is being collected by another process right now "
                                              f"({root}); wait for it or choose another --run-id")]) from None
    return handle


def claim_run_dir(root: Path, *, resumed: bool, auto_id: bool) -> tuple[Path, IO[bytes]]:
    """Create (or, resuming, open) the run folder `root` for this process alone; returns the folder
    claimed (another suffix when an automatic id was taken meanwhile) and the held lock."""
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        if resumed:
            return root, _lock(root, root.name)
        base, n = root.name, 1
        while True:
            try:
                os.mkdir(root)
                return root, _lock(root, root.name)
            except FileExistsError:
                if not auto_id:
                    raise InputError([Problem("--run-id", f"{root} was created by another run a moment ago; "
                                                          "choose another --run-id")]) from None
                n += 1
                if n > MAX_SUFFIX:
                    raise InputError([Problem("--run-id", f"{MAX_SUFFIX} runs named {base} exist already "
                                                          f"in {root.parent}")]) from None
                root = root.parent / _suffixed(base, n)
    except OSError as exc:
        raise OutputError(f"cannot create the run folder {root}: {exc.strerror or exc}") from None
