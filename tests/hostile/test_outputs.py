"""Outputs all or nothing, a full disk as one clear error, and the modes files are created with.

A full disk is made two ways at the OS level: a tiny tmpfs (needs root to mount; skipped
otherwise) and RLIMIT_FSIZE in a child process (any user: a write past the limit fails with
EFBIG, as Python ignores SIGXFSZ).
"""

from __future__ import annotations

import os
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from audit.core.atomic import write_all_atomic
from audit.core.errors import OutputError
from audit.reference import ReferenceServer
from tests.hostile.conftest import invoke, tiny_drift_probe

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "data" / "disclosures" / "allenai" / "olmo-2-7b.yaml"
SCORES = ROOT.parent / "shared" / "fmti" / "May2024" / "May2024_scores.csv"


def audit_limited(args: list[str], *, fsize: int | None = None, cwd: Path | None = None, env=None):
    """`audit ARGS` in a child process, its files limited to `fsize` bytes each."""
    def limit() -> None:
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run([sys.executable, "-m", "audit.cli.app", *args], capture_output=True, text=True,
                          preexec_fn=limit, cwd=cwd or ROOT, env={**os.environ, **(env or {})}, timeout=120)


def one_error_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert "Traceback" not in done.stderr and "Task exception" not in done.stderr, done.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


@pytest.fixture
def tiny_disk(tmp_path):
    """A mounted tmpfs of 64 KiB (root only)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


# --- write_all_atomic ------------------------------------------------------------------------

def test_write_all_atomic_writes_none_when_one_cannot_be_written(tmp_path):
    (tmp_path / "kept.txt").write_text("old")
    (tmp_path / "blocker").write_text("a file where a folder should be")
    files = {tmp_path / "new.txt": "n", tmp_path / "kept.txt": "new", tmp_path / "blocker" / "x.txt": "x"}
    with pytest.raises(OutputError, match="blocker"):
        write_all_atomic(files)
    assert not (tmp_path / "new.txt").exists() and (tmp_path / "kept.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "kept.txt"]  # no temporary file left


def test_write_all_atomic_puts_back_what_it_renamed_when_a_rename_fails(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("old a")
    real_replace, calls = os.replace, []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 3:  # the third file's rename fails (after a.txt and b/c.txt were placed)
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OutputError, match="No space left on device"):
        write_all_atomic({tmp_path / "a.txt": "new a", tmp_path / "b" / "c.txt": "c", tmp_path / "d.txt": "d"})
    monkeypatch.undo()
    assert (tmp_path / "a.txt").read_text() == "old a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]  # b/ it created is gone, no temporary file


def test_modes_public_outputs_follow_the_umask_evidence_is_private(tmp_path):
    old = os.umask(0o022)
    try:
        (path,) = write_all_atomic({tmp_path / "card.md": "x"})
        (private,) = write_all_atomic({tmp_path / "raw.jsonl": "x"}, private=True)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


# --- commands on a full disk -------------------------------------------------------------------

def test_card_past_the_file_size_limit_writes_no_file(tmp_path):
    out = tmp_path / "card"
    # the HTML (about 93 KB) fits under 100 KB, the PDF (about 125 KB) does not: no file may be left
    done = audit_limited(["card", str(RECORD), "--out", str(out), "--formats", "html,pdf,json,md"], fsize=100_000)
    assert "File too large" in one_error_line(done)
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.skipif(not SCORES.is_file(), reason="the shared FMTI files are not beside the checkout")
def test_import_fmti_on_a_full_disk_writes_no_record(tiny_disk):
    out = tiny_disk / "records"
    done = audit_limited(["import", "fmti", str(SCORES), "--out", str(out)])
    assert "No space left on device" in one_error_line(done)
    assert not out.exists()
    assert list(tiny_disk.iterdir()) == []


def test_card_on_a_full_disk_writes_no_file(tiny_disk):
    done = audit_limited(["card", str(RECORD), "--out", str(tiny_disk / "card"), "--formats", "html,json,md"])
    assert "No space left on device" in one_error_line(done)
    assert list(tiny_disk.iterdir()) == []


def _run_args(server, probe: Path, out: Path) -> list[str]:
    return ["run", str(RECORD), "--endpoint", server.base_url, "--model", "ref-model", "--probes", str(probe),
            "--out", str(out), "--run-id", "full", "--no-history", "--formats", "json"]


def test_run_past_the_file_size_limit_is_one_error_without_asyncio_noise(tmp_path):
    probe = tiny_drift_probe(tmp_path, repeats=8)
    with ReferenceServer("default") as server:
        done = audit_limited(_run_args(server, probe, tmp_path / "out"), fsize=12_000)
    assert "evidence.jsonl" in one_error_line(done) and "File too large" in done.stderr


def test_run_on_a_full_disk_is_one_error_without_asyncio_noise(tmp_path, tiny_disk):
    probe = tiny_drift_probe(tmp_path, repeats=8)
    fs = os.statvfs(tiny_disk)
    (tiny_disk / "filler").write_bytes(b"x" * (fs.f_bavail * fs.f_frsize - 16_384))  # leaves 16 KiB
    with ReferenceServer("default") as server:
        done = audit_limited(_run_args(server, probe, tiny_disk / "out"))
    assert "No space left on device" in one_error_line(done)
    assert not (tiny_disk / "out" / "runs" / "full" / "result.json").exists()


def test_evidence_is_private_and_the_card_public(tmp_path):
    probe = tiny_drift_probe(tmp_path)
    with ReferenceServer("default") as server:
        result = invoke(*_run_args(server, probe, tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / "out" / "runs" / "full"
    assert stat.S_IMODE((folder / "evidence.jsonl").stat().st_mode) == 0o600
    umask_mode = 0o666 & ~_umask()
    for name in ("run.json", "result.json", "findings.json"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == umask_mode, name
    assert all(stat.S_IMODE(p.stat().st_mode) == umask_mode for p in (folder / "card").iterdir())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
