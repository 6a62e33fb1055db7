"""The identity card section: rates with intervals and quoted answers, rendered by the card template."""

from __future__ import annotations

from audit.render.html import card_environment
from audit.probes.identity.section import identity_sections
from tests.support.personas import COMPETITOR, CONTEXT, CUTOFF, OWN


def respond(key, request):
    """Own answers everywhere, except a competitor's name in French to the direct question, first round."""
    lang, question = key.split(".")[:2]
    table = {"cutoff": CUTOFF, "context": CONTEXT}.get(question, OWN)
    if question == "who-direct" and key.endswith("r0") and lang == "fr":
        table = COMPETITOR
    return table[lang], "reference-model"


def test_section_shows_rates_intervals_and_quotes(probe, target, drive):
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


def test_quotes_say_what_the_answer_was_classed_as_and_markdown_shows_them(probe, target, drive):
    from audit.render.markdown import _identity_md

    [section] = identity_sections(probe.evaluate(target, drive(probe, target, respond)))
    competitor = [q for q in section.data.quotes if "ChatGPT" in q.text]
    assert competitor and competitor[0].verdict == "names another vendor's model"
    assert len({q.exchange for q in section.data.quotes}) == len(section.data.quotes)  # each answer quoted once
    facts = next(r for r in section.data.rows if r.check == "stated-facts")
    assert "agrees 100% (95% CI" in facts.measure
    md = "\n".join(_identity_md(section.data))
    assert "| Never names another vendor |" in md and "95% CI" in md
    assert "**names another vendor's model**" in md and "`identity-consistency/fr.who-direct" in md


def test_the_interval_level_shown_is_the_one_the_probe_ran_with(probe, target, drive):
    from audit.render.markdown import _identity_md

    at_90 = type(probe)(probe.definition, probe.params.model_copy(update={"confidence": 0.9}))
    findings = at_90.evaluate(target, drive(at_90, target, respond))
    assert {f.values["confidence"] for f in findings} == {0.9}
    [section] = identity_sections(findings)
    rows = {r.check: r for r in section.data.rows}
    assert "(90% CI " in rows["self-identification"].measure and "95%" not in rows["self-identification"].measure
    html = card_environment().get_template("sections/identity.html").render(data=section.data)
    assert "90% confidence interval" in html and "95% confidence" not in html
    assert "90% confidence interval" in "\n".join(_identity_md(section.data))


def test_quotes_carry_their_writing_direction():
    from audit.probes.identity.section import IdentityQuote

    assert IdentityQuote("c", "x", "ar", "أنا Reference Model 1.0").direction == "rtl"
    assert IdentityQuote("c", "x", "en", "I am ChatGPT, سلام").direction == "ltr"
    assert IdentityQuote("c", "x", "ja", "「私はClaudeです」").direction == "ltr"  # no strong character first: CJK is L
