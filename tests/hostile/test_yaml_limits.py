"""YAML loaders under hostile files: alias bombs, huge strings, deep nesting, impossible values."""

from __future__ import annotations

import os
import time

import pytest

from audit.core.errors import InputError
from audit.core.yamlio import Limits, load_yaml, parse_yaml_text
from tests.hostile.conftest import HOSTILE, assert_clean_error, invoke

CORPUS = sorted(HOSTILE.glob("*.yaml"))


def one_problem(path) -> str:
    with pytest.raises(InputError) as info:
        load_yaml(path)
    (problem,) = info.value.problems
    return str(problem)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_each_hostile_file_is_one_located_error(path):
    t0 = time.perf_counter()
    message = one_problem(path)
    assert time.perf_counter() - t0 < 5
    assert message.startswith(f"{path}:") and "\n" not in message
    assert message.split(":")[1].strip().isdigit(), message  # a line number


@pytest.mark.parametrize("command", ["validate", "score", "card"])
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_commands_refuse_hostile_files_with_exit_2(path, command, tmp_path):
    args = [command, str(path)] + (["--out", str(tmp_path / "out")] if command == "card" else [])
    assert_clean_error(invoke(*args), contains=str(path))
    assert not (tmp_path / "out").exists()


def test_alias_bomb_stops_at_the_alias_budget_fast():
    t0 = time.perf_counter()
    assert "AUDIT_YAML_MAX_NODES" in one_problem(HOSTILE / "alias-bomb.yaml")
    assert time.perf_counter() - t0 < 2


def test_shared_aliases_within_the_budget_still_load():
    data, lines = parse_yaml_text("a: &x {k: 1}\nb: *x\nc: *x\n", "f.yaml")
    assert data == {"a": {"k": 1}, "b": {"k": 1}, "c": {"k": 1}}
    assert lines.line_of(("c",)) == 3


def test_limits_come_from_the_environment(monkeypatch, tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("a: [[[1]]]\n")
    monkeypatch.setenv("AUDIT_YAML_MAX_DEPTH", "2")
    assert "AUDIT_YAML_MAX_DEPTH" in one_problem(path)
    monkeypatch.setenv("AUDIT_YAML_MAX_DEPTH", "many")
    with pytest.raises(InputError, match="AUDIT_YAML_MAX_DEPTH"):
        Limits.from_env()


def test_huge_string_is_refused_by_size_before_parsing(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text('a: "' + "x" * 20_000_000 + '"\n')
    t0 = time.perf_counter()
    assert "AUDIT_YAML_MAX_BYTES" in one_problem(path)
    assert time.perf_counter() - t0 < 2


def test_devices_and_named_pipes_are_not_read(tmp_path):
    assert "not a regular file" in one_problem("/dev/zero")
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert "not a regular file" in one_problem(fifo)


def test_control_character_error_is_one_line_with_its_line(tmp_path):
    message = one_problem(HOSTILE / "control-character.yaml")
    assert ":2: malformed YAML: control character 0x0001" in message


def test_validate_reports_every_malformed_file():
    a, b = HOSTILE / "impossible-date.yaml", HOSTILE / "tagged-int-not-a-number.yaml"
    err = assert_clean_error(invoke("validate", str(a), str(b)))
    assert str(a) in err and str(b) in err
