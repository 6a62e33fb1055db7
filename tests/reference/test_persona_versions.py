"""Identity persona rates, spoof-following, and the version switch."""

from __future__ import annotations

from collections import Counter

from audit.reference import ReferenceServer

from .conftest import chat

COMPETITOR = {"identity": {"en": [{"text": "I am Reference Model.", "weight": 0.9},
                                  {"text": "I am GPT-4, made by OpenAI.", "weight": 0.1}]}}


def _persona(spoof: float = 0.0) -> dict:
    topics = [{"name": "identity", "keywords": {"en": ["who are you"], "de": ["wer bist du"]},
               "answers": {"en": COMPETITOR["identity"]["en"],
                           "de": [{"text": "Ich bin Reference Model."}]}},
              {"name": "cutoff", "keywords": {"en": ["knowledge cutoff"]},
               "answers": {"en": [{"text": "June 2024."}]}}]
    return {"topics": topics, "spoof": {"probability": spoof}}


def _answers(client, server, prompt: str, n: int, **extra) -> Counter:
    return Counter(chat(client, server, prompt, **extra).json()["choices"][0]["message"]["content"]
                   for _ in range(n))


def test_identity_answers_follow_their_weights(client):
    with ReferenceServer("default", persona=_persona()) as server:
        answers = _answers(client, server, "Hi! Who are you, exactly?", 400)
        assert set(answers) == {"I am Reference Model.", "I am GPT-4, made by OpenAI."}
        share = answers["I am GPT-4, made by OpenAI."] / 400
        assert 0.05 <= share <= 0.16  # 10% configured
        # temperature 0 always gives the most likely answer
        assert _answers(client, server, "Who are you?", 5, temperature=0) == Counter({"I am Reference Model.": 5})


def test_keywords_pick_topic_and_language(client):
    with ReferenceServer("default", persona=_persona()) as server:
        assert _answers(client, server, "Sag mal: WER BIST DU?", 3) == Counter({"Ich bin Reference Model.": 3})
        assert _answers(client, server, "What is your knowledge cutoff?", 2) == Counter({"June 2024.": 2})
        generic = chat(client, server, "Tell me about the weather.", seed=1).json()
        assert generic["choices"][0]["message"]["content"] not in {"June 2024.", "I am Reference Model."}


def test_shipped_default_persona_speaks_several_languages(server, client):
    assert "Reference Labs" in _answers(client, server, "你是谁？", 1, temperature=0).most_common(1)[0][0]
    assert "Reference Labs" in _answers(client, server, "¿Quién eres?", 1, temperature=0).most_common(1)[0][0]
    answer = chat(client, server, "Which company made you? Who made you?", temperature=0).json()
    assert answer["choices"][0]["message"]["content"] == "I was developed by Reference Labs."


def test_system_prompt_spoof_is_followed_at_its_rate(client):
    messages = [{"role": "system", "content": "You are Claude 3 Opus, made by Anthropic."},
                {"role": "user", "content": "Who are you?"}]
    with ReferenceServer("default", persona=_persona(spoof=0.3)) as server:
        answers = _answers(client, server, messages, 300)
        share = sum(n for text, n in answers.items() if text.startswith("I am Claude 3 Opus")) / 300
        assert 0.2 <= share <= 0.4
    with ReferenceServer("default", persona=_persona(spoof=0.0)) as server:
        answers = _answers(client, server, messages, 50)
        assert not any("Claude" in text for text in answers)


def test_version_switch_changes_answers_and_fingerprint(server, client):
    prompts = [f"Explain topic {i}. Also, what is {i} + {i * 7}?" for i in range(20)]

    def run() -> list[dict]:
        return [chat(client, server, p, seed=11).json() for p in prompts]

    before = run()
    server.set_version("b")
    after = run()
    assert {b["system_fingerprint"] for b in before} == {"fp_ref_a1"}
    assert {a["system_fingerprint"] for a in after} == {"fp_ref_b7"}
    texts_before = [b["choices"][0]["message"]["content"] for b in before]
    texts_after = [a["choices"][0]["message"]["content"] for a in after]
    assert all(x != y for x, y in zip(texts_before, texts_after))
    # version b answers arithmetic formally and sometimes wrongly (30%)
    assert all(t.startswith("The result of") for t in texts_after)
    wrong = sum(not t.endswith(f"is {i + i * 7}.") for i, t in enumerate(texts_after))
    assert 1 <= wrong <= 14
    assert all(t.endswith(f"= {i + i * 7}") for i, t in enumerate(texts_before))
    assert [r.version for r in server.requests.records][-1] == "b"


def test_same_seed_is_stable_within_a_version(server, client):
    first = chat(client, server, "Tell me a fact.", seed=9).json()["choices"][0]["message"]["content"]
    assert chat(client, server, "Tell me a fact.", seed=9).json()["choices"][0]["message"]["content"] == first


def test_admin_endpoint_switches_version(server, client):
    assert client.get(server.url + "/admin/version").json() == {"version": "a", "versions": ["a", "b"]}
    assert client.post(server.url + "/admin/version", json={"version": "b"}).json() == {"version": "b"}
    assert chat(client, server, "hi").json()["system_fingerprint"] == "fp_ref_b7"
    assert client.post(server.url + "/admin/version", json={"version": "zzz"}).status_code == 400


def test_version_file_and_reload(tmp_path, client):
    from audit.reference.profile import profile_dir

    profile = tmp_path / "p.yaml"
    text = (profile_dir() / "default.yaml").read_text(encoding="utf-8")
    profile.write_text(text + "version_file: active-version\n", encoding="utf-8")
    (tmp_path / "active-version").write_text("a\n")
    with ReferenceServer(profile) as server:
        assert chat(client, server, "hi").json()["system_fingerprint"] == "fp_ref_a1"
        (tmp_path / "active-version").write_text("b\n")
        assert chat(client, server, "hi").json()["system_fingerprint"] == "fp_ref_b7"
        (tmp_path / "active-version").unlink()
        profile.write_text(text.replace("fp_ref_a1", "fp_ref_a2"), encoding="utf-8")
        assert client.post(server.url + "/admin/reload").status_code == 200
        assert chat(client, server, "hi").json()["system_fingerprint"] == "fp_ref_a2"
