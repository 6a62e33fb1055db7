"""Run ids and run folders: two runs never share or overwrite a folder; bad ids, folders and flags are
one located error (exit 2)."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from audit.reference import ReferenceServer
from audit.runtime import workflow
from audit.runtime.run_ids import LOCK_NAME, claim_run_dir, free_run_id
from audit.runtime.target import load_target
from tests.hostile.conftest import assert_clean_error, invoke, tiny_drift_probe

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "data" / "disclosures" / "allenai" / "olmo-2-7b.yaml"


@pytest.fixture(scope="module")
def server():
    with ReferenceServer("default") as running:
        yield running


def run_args(server, tmp_path, *extra):
    probe = tiny_drift_probe(tmp_path)
    return ["run", str(RECORD), "--endpoint", server.base_url, "--model", "ref-model", "--probes", str(probe),
            "--out", str(tmp_path / "out"), "--no-history", "--formats", "json", *extra]


def test_two_runs_started_in_the_same_second_get_two_folders(server, tmp_path, monkeypatch):
    monkeypatch.setattr(workflow, "new_run_id", lambda model, now=None: "20260101-000000-ref-model")
    target = load_target(None, model="ref-model", base_url=server.base_url)
    probe = tiny_drift_probe(tmp_path)
    # both prepared before either folder exists: the second to claim moves on to a suffix
    first, second = (workflow.prepare(RECORD, target, probe_ids=[str(probe)], out=tmp_path / "out")
                     for _ in range(2))
    assert first.spec.run_id == second.spec.run_id == "20260101-000000-ref-model"
    for prepared in (first, second):
        workflow.collect_live(prepared)
    assert second.spec.run_id == "20260101-000000-ref-model-2"
    assert second.folder.root.name == "20260101-000000-ref-model-2"
    assert json.loads(second.folder.spec.read_text())["run_id"] == "20260101-000000-ref-model-2"
    for prepared in (first, second):
        assert len(prepared.folder.evidence.read_text().splitlines()) == 4  # each its own 4 calls
    # a third, prepared after both exist, takes the next free suffix at once
    third = workflow.prepare(RECORD, target, probe_ids=[str(probe)], out=tmp_path / "out")
    assert third.spec.run_id == "20260101-000000-ref-model-3"


def test_concurrent_runs_without_a_run_id_never_share_a_folder(server, tmp_path):
    args = run_args(server, tmp_path)
    procs = [subprocess.Popen([sys.executable, "-m", "audit.cli.app", *args], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    folders = sorted((tmp_path / "out" / "runs").iterdir())
    assert len(folders) == 3
    for folder in folders:
        assert len((folder / "evidence.jsonl").read_text().splitlines()) == 4
        assert json.loads((folder / "run.json").read_text())["run_id"] == folder.name


def test_claim_is_exclusive_for_a_given_id_and_suffixes_an_automatic_one(tmp_path):
    root = tmp_path / "runs" / "r1"
    claimed, lock = claim_run_dir(root, resumed=False, auto_id=False)
    assert claimed == root and (root / LOCK_NAME).exists()
    with pytest.raises(Exception, match="created by another run a moment ago"):
        claim_run_dir(root, resumed=False, auto_id=False)
    again, _ = claim_run_dir(root, resumed=False, auto_id=True)
    assert again.name == "r1-2"
    assert free_run_id(tmp_path / "runs", "r1") == "r1-3"
    (tmp_path / "runs" / ("a" * 80)).mkdir()
    long = free_run_id(tmp_path / "runs", "a" * 80)
    assert long == "a" * 78 + "-2"
    lock.close()


def test_resuming_a_run_another_process_is_collecting_is_refused(server, tmp_path):
    assert invoke(*run_args(server, tmp_path, "--run-id", "busy")).exit_code == 0
    folder = tmp_path / "out" / "runs" / "busy"
    with open(folder / LOCK_NAME, "ab") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        result = invoke(*run_args(server, tmp_path, "--run-id", "busy"))
    assert_clean_error(result, contains="--run-id: run busy is being collected by another process")


def test_run_id_naming_a_folder_that_holds_no_run_is_refused(server, tmp_path):
    (tmp_path / "out" / "runs" / "taken").mkdir(parents=True)
    (tmp_path / "out" / "runs" / "taken" / "notes.txt").write_text("mine")
    result = invoke(*run_args(server, tmp_path, "--run-id", "taken"))
    assert_clean_error(result, contains="--run-id: ")
    assert "holds no run" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out" / "runs" / "taken").iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("run_id, shown", [("a" * 81, "'" + "a" * 40 + "…'"), ("../etc", "'../etc'"),
                                           ("Upper", "'Upper'"), ("-lead", "'-lead'"), ("x\x1b[2Jy", "'x[2Jy'")])
def test_bad_run_ids_are_located_and_shown_safely(server, tmp_path, run_id, shown):
    result = invoke(*run_args(server, tmp_path, "--run-id", run_id, "--dry-run"))
    err = assert_clean_error(result, contains=f"--run-id: {shown} is not a valid run id")
    assert "\x1b" not in err


def test_out_naming_a_file_is_refused_before_anything_is_sent(server, tmp_path):
    (tmp_path / "afile").write_text("")
    args = run_args(server, tmp_path)
    args[args.index("--out") + 1] = str(tmp_path / "afile")
    assert_clean_error(invoke(*args), contains=f"--out: {tmp_path / 'afile'} is a file, not a folder")


@pytest.mark.parametrize("endpoint, message", [
    ("http://127.0.0.1:99999/v1", "the port must be a number from 1 to 65535"),
    ("http://127.0.0.1:0/v1", "the port must be a number from 1 to 65535"),
    ("http://127.0.0.1:abc/v1", "the port must be a number from 1 to 65535"),
    ("ftp://127.0.0.1/v1", "must be an http:// or https:// URL"),
    ("http:///v1", "must be an http:// or https:// URL"),
    ("http://user:pw@127.0.0.1/v1", "must not carry credentials"),
])
def test_bad_endpoints_are_located(tmp_path, endpoint, message):
    result = invoke("run", str(RECORD), "--endpoint", endpoint, "--model", "m", "--dry-run")
    assert_clean_error(result, contains=f"command line: base_url: {message}")
    assert "pw" not in result.stderr


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_serve_reference_refuses_a_port_out_of_range(port):
    assert_clean_error(invoke("serve-reference", "--port", port), contains=f"--port: {port} is not a port")


def test_serve_reference_on_a_port_in_use_says_so():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = invoke("serve-reference", "--port", str(port))
    assert_clean_error(result, contains=f"--port: cannot listen on 127.0.0.1:{port}: the port is in use already")


@pytest.mark.parametrize("name", ["sk_live_51HxAbCdEf0123456789", "my_key", "AUDIT_UNSET_VARIABLE_X"])
def test_an_unset_key_variable_never_echoes_a_key_pasted_as_its_name(server, tmp_path, monkeypatch, name):
    monkeypatch.delenv(name, raising=False)
    result = invoke(*run_args(server, tmp_path, "--api-key-env", name))
    err = assert_clean_error(result, contains="api_key_env: ")
    if name.isupper():
        assert f"environment variable {name} is not set" in err
    else:
        assert name not in err and name not in result.stdout and "is not set or empty" in err
    assert not (tmp_path / "out").exists()


def test_a_key_pasted_with_characters_no_name_has_is_not_echoed(tmp_path):
    result = invoke("run", str(RECORD), "--endpoint", "http://127.0.0.1:9/v1", "--model", "m",
                    "--api-key-env", "sk-proj-AbC123+/=", "--dry-run")
    err = assert_clean_error(result, contains="api_key_env: String should match pattern")
    assert "sk-proj" not in err and "AbC123" not in result.stdout


def test_deeply_nested_run_json_is_one_located_error(tmp_path):
    folder = tmp_path / "deep"
    folder.mkdir()
    (folder / "run.json").write_text("[" * 100_000 + "]" * 100_000)
    assert_clean_error(invoke("rescore", str(folder)), contains=f"{folder / 'run.json'}: cannot read run file: ")


def test_run_json_that_is_not_an_object_is_located(tmp_path):
    folder = tmp_path / "list"
    folder.mkdir()
    (folder / "run.json").write_text("[1, 2]")
    assert_clean_error(invoke("rescore", str(folder)), contains=f"{folder / 'run.json'}")


def test_the_limit_flags_are_in_the_help():
    for command in ("run", "drift", "baseline"):
        text = " ".join(invoke(command, "--help").stdout.split())
        assert "--call-deadline" in text and "AUDIT_CALL_DEADLINE" in text, command
        assert "--max-response-bytes" in text and "AUDIT_MAX_RESPONSE_BYTES" in text, command


def test_files_are_world_readable_only_where_meant(server, tmp_path):
    old = os.umask(0o022)
    try:
        assert invoke(*run_args(server, tmp_path, "--run-id", "modes")).exit_code == 0
    finally:
        os.umask(old)
    folder = tmp_path / "out" / "runs" / "modes"
    assert (folder / "evidence.jsonl").stat().st_mode & 0o777 == 0o600
    assert (folder / "run.json").stat().st_mode & 0o777 == 0o644
