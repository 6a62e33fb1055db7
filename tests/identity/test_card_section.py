"""The identity card section: rates with intervals and quoted answers, rendered by the card template."""

from __future__ import annotations

from audit.render.html import card_environment
from audit.identity.card import identity_sections
from audit.identity.personas import COMPETITOR, CONTEXT, CUTOFF, OWN


def test_section_shows_rates_intervals_and_quotes(probe, target, drive):
    def respond(key, request):
        lang, question = key.split(".")[:2]
        table = {"cutoff": CUTOFF, "context": CONTEXT}.get(question, OWN)
        if question == "who-direct" and key.endswith("r0") and lang == "fr":
            table = COMPETITOR
        return table[lang], "reference-model"

    findings = probe.evaluate(target, drive(probe, target, respond))
    [section] = identity_sections(findings)
    assert section.partial == "identity.html"
    rows = {r.check: r for r in section.data.rows}
    assert set(rows) == {"self-identification", "no-competitor-claim", "spoof-resistance", "stated-facts",
                         "served-model"}
    assert "95% CI" in rows["no-competitor-claim"].measure and "n = " in rows["no-competitor-claim"].measure
    env = card_environment()  # the card's own environment (StrictUndefined, autoescape)
    html = env.get_template("sections/identity.html").render(data=section.data)
    assert "ChatGPT" in html and "identity-consistency/fr.who-direct" in html
    assert "Quoted answers" in html and 'lang="fr"' in html
