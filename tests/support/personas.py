"""Reference-endpoint personas for the identity battery: profile data for `audit.reference`.

Each persona answers the battery's own questions (its topic keywords are the battery's question
texts) in every battery language, so tests and the benchmark exercise the probe end to end over a
real socket: consistent; inconsistent; naming a competitor in a share of answers; declining;
following a spoofing system prompt; served behind a proxy that rewrites the `model` field.
The persona claims to be `Reference Model 1.0` by `Reference Labs`, with a June 2024 cutoff and a
128,000-token window, and names ChatGPT (OpenAI) when it names a competitor.
"""

from __future__ import annotations

from typing import Any

from audit.probes.identity.battery import IDENTITY_TOPICS, IdentityParams

__all__ = ["PERSONAS", "OWN", "persona_profile", "DECLARED_VENDOR", "DECLARED_NAME", "DECLARED_CUTOFF",
           "DECLARED_CONTEXT"]

DECLARED_VENDOR = "Reference Labs"
DECLARED_NAME = "Reference Model 1.0"
DECLARED_CUTOFF = "2024-06"
DECLARED_CONTEXT = 128_000

OWN = {
    "en": "I am Reference Model 1.0, an AI assistant made by Reference Labs.",
    "fr": "Je suis Reference Model 1.0, un assistant IA créé par Reference Labs.",
    "de": "Ich bin Reference Model 1.0, ein KI-Assistent von Reference Labs.",
    "es": "Soy Reference Model 1.0, un asistente de IA creado por Reference Labs.",
    "zh": "我是 Reference Model 1.0，由 Reference Labs 开发的人工智能助手。",
    "ja": "私は Reference Labs が開発した AI アシスタント、Reference Model 1.0 です。",
    "ar": "أنا Reference Model 1.0، مساعد ذكاء اصطناعي من تطوير Reference Labs.",
}
OTHER_VERSION = {lang: text.replace("1.0", "2.0") for lang, text in OWN.items()}
COMPETITOR = {
    "en": "I am ChatGPT, a large language model trained by OpenAI.",
    "fr": "Je suis ChatGPT, un grand modèle de langage entraîné par OpenAI.",
    "de": "Ich bin ChatGPT, ein großes Sprachmodell, trainiert von OpenAI.",
    "es": "Soy ChatGPT, un gran modelo de lenguaje entrenado por OpenAI.",
    "zh": "我是ChatGPT，由OpenAI训练的大型语言模型。",
    "ja": "私はOpenAIによって訓練された大規模言語モデル、ChatGPTです。",
    "ar": "أنا ChatGPT، نموذج لغوي كبير دربته OpenAI.",
}
DECLINE = {
    "en": "I'm an AI assistant. I can't share which model I am or who built me.",
    "fr": "Je suis un assistant IA. Je ne peux pas révéler quel modèle je suis.",
    "de": "Ich bin ein KI-Assistent. Das kann ich nicht sagen.",
    "es": "Soy un asistente de IA. No puedo revelar qué modelo soy.",
    "zh": "我是一个人工智能助手，无法透露我的具体模型。",
    "ja": "私はAIアシスタントです。具体的なモデルについてはお答えできません。",
    "ar": "أنا مساعد ذكاء اصطناعي. لا أستطيع الإفصاح عن النموذج الذي أنا عليه.",
}
CUTOFF = {
    "en": "My knowledge cutoff is June 2024.", "fr": "Mes connaissances s'arrêtent en juin 2024.",
    "de": "Mein Wissensstand reicht bis Juni 2024.", "es": "Mi fecha de corte es junio de 2024.",
    "zh": "我的知识截止日期是 2024 年 6 月。", "ja": "私の知識は2024年6月までです。",
    "ar": "تاريخ انقطاع معرفتي هو يونيو 2024.",
}
CONTEXT = {
    "en": "My context window is 128,000 tokens.", "fr": "Ma fenêtre de contexte est de 128 000 jetons.",
    "de": "Mein Kontextfenster umfasst 128.000 Tokens.", "es": "Mi ventana de contexto es de 128.000 tokens.",
    "zh": "我的上下文窗口是 128,000 个 token。", "ja": "私のコンテキストウィンドウは128,000トークンです。",
    "ar": "نافذة السياق لدي 128000 رمز.",
}
SPOOF_PATTERNS = [r"(?i)\byou are (.+?),", r"\bTu es (.+?),", r"\bDu bist (.+?),", r"\bEres (.+?),",
                  r"你是(.+?)，", r"あなたは.+?、(.+?)です", r"أنت (.+?)،"]
SPOOF_ANSWERS = {"en": "I am {name}.", "fr": "Je suis {name}.", "de": "Ich bin {name}.", "es": "Soy {name}.",
                 "zh": "我是{name}。", "ja": "私は{name}です。", "ar": "أنا {name}."}

# name -> (weighted identity answers as (table, weight) pairs, spoof-following probability, served model)
PERSONAS: dict[str, dict[str, Any]] = {
    "consistent": {"answers": [(OWN, 1.0)]},
    "inconsistent": {"answers": [(OWN, 0.4), (OTHER_VERSION, 0.3), (COMPETITOR, 0.3)]},
    "competitor-10": {"answers": [(OWN, 0.9), (COMPETITOR, 0.1)]},
    "competitor-5": {"answers": [(OWN, 0.95), (COMPETITOR, 0.05)]},
    "competitor-0.5": {"answers": [(OWN, 0.995), (COMPETITOR, 0.005)]},
    "declines": {"answers": [(DECLINE, 1.0)]},
    "spoofable": {"answers": [(OWN, 1.0)], "spoof": 0.9},
    "proxy-rewrite": {"answers": [(OWN, 1.0)], "served_model": "meta-llama-3.1-8b-instruct"},
}


def _keywords(battery: IdentityParams, topics: tuple[str, ...]) -> dict[str, list[str]]:
    return {lang: [q.text[lang] for q in battery.questions if q.topic in topics] for lang in battery.languages}


def persona_profile(name: str, battery: IdentityParams, *, seed: int = 0, **overrides: Any) -> dict[str, Any]:
    """Reference profile data for persona `name` answering `battery`; `overrides` go on top."""
    spec = PERSONAS[name]
    langs = battery.languages
    identity_answers = {lang: [{"text": table[lang], "weight": w} for table, w in spec["answers"]] for lang in langs}
    topics = [
        {"name": "identity", "keywords": _keywords(battery, IDENTITY_TOPICS), "answers": identity_answers},
        {"name": "cutoff", "keywords": _keywords(battery, ("cutoff",)),
         "answers": {lang: [{"text": CUTOFF[lang]}] for lang in langs}},
        {"name": "context", "keywords": _keywords(battery, ("context",)),
         "answers": {lang: [{"text": CONTEXT[lang]}] for lang in langs}},
    ]
    data: dict[str, Any] = {
        "id": f"identity-{name}", "description": f"identity persona '{name}'", "seed": seed,
        "models": ["reference-model"], "served_model": spec.get("served_model", "echo"),
        "system_fingerprint": "fp_identity",
        "persona": {"topics": topics, "spoof": {"probability": spec.get("spoof", 0.0), "patterns": SPOOF_PATTERNS,
                                                "topics": ["identity"], "answers": SPOOF_ANSWERS}},
    }
    data.update(overrides)
    return data
