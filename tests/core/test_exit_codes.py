"""A command's own exit code passes the crash guard untouched; a crash is exit 2, never 1."""

from __future__ import annotations

import pytest
import typer

from audit.cli.support import reports_errors


@pytest.mark.parametrize("code", [0, 1])
def test_a_commands_own_exit_passes_through(code):
    def command():
        raise typer.Exit(code)

    with pytest.raises(typer.Exit) as caught:
        reports_errors(command)()
    assert caught.value.exit_code == code


def test_a_crash_is_exit_2(capsys):
    def command():
        raise ZeroDivisionError("boom")

    with pytest.raises(typer.Exit) as caught:
        reports_errors(command)()
    assert caught.value.exit_code == 2
    assert "unexpected ZeroDivisionError: boom" in capsys.readouterr().err
