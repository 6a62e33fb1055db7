"""The comparison report credits shared notes on every page and names the model of each one's own note."""

from __future__ import annotations

import datetime as dt

from audit.core.content import content_dir
from audit.render.compare_view import build_compare_view
from audit.scoring.pipeline import score_record

WHEN = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.timezone.utc)


def _result(name: str):
    return score_record(content_dir("data") / "disclosures" / f"{name}.yaml")


def test_own_notes_are_named_and_kept_out_of_the_running_footer():
    mistral, qwen = _result("mistral/mistral-large-3"), _result("qwen/qwen3-235b-a22b")
    view = build_compare_view([mistral, qwen], WHEN)
    credit = mistral.rubric.credit
    assert view.footer == credit
    assert view.credits[0] == credit
    assert f"Mistral AI Mistral Large 3: {mistral.audit_note}" in view.credits
    assert f"Qwen Qwen3-235B-A22B: {qwen.audit_note}" in view.credits
    assert mistral.audit_note not in view.footer


def test_a_note_every_result_shares_is_a_credit_on_every_page():
    shared = "Data: an imported index edition (CC-BY 4.0)."
    results = [r.model_copy(update={"audit_note": shared})
               for r in (_result("mistral/mistral-large-3"), _result("qwen/qwen3-235b-a22b"))]
    view = build_compare_view(results, WHEN)
    assert shared in view.footer
    assert view.credits.count(shared) == 1 and not any(c.endswith(": " + shared) for c in view.credits)
