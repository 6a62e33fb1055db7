"""What the reference model answers, and the usage it reports. Pure: no I/O, no clock.

Every answer is a deterministic function of the active version's settings, the messages and a
randomness key: the request's ``seed`` when given (same seed, same output), nothing at
temperature 0 (always the most likely answer), else a per-request nonce the server draws from
its own seeded sequence.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from dataclasses import dataclass, field

from audit.reference.profile import Behaviour, Generation, Persona, Topic
from audit.reference.tokenizer import CountingTokenizer

__all__ = ["ChatInput", "Reply", "make_reply", "prompt_tokens", "seeded_rng", "detect_topic", "token_logprobs"]


@dataclass(frozen=True)
class ChatInput:
    """A chat request reduced to what the model sees, whatever API it came through."""

    model: str
    messages: tuple[tuple[str, str], ...]  # (role, text); system prompts included, in order
    temperature: float = 1.0
    max_tokens: int | None = None
    seed: int | None = None
    nonce: int = 0  # the server's own draw, used only when seed is None and temperature > 0

    @property
    def last_user_text(self) -> str:
        for role, text in reversed(self.messages):
            if role == "user":
                return text
        return ""

    @property
    def system_text(self) -> str:
        return "\n".join(text for role, text in self.messages if role in ("system", "developer"))


@dataclass(frozen=True)
class Reply:
    text: str
    finish_reason: str  # "stop" or "length"
    prompt_tokens: int
    completion_tokens: int
    topic: str | None = None  # the identity topic answered, if any
    extra: dict = field(default_factory=dict)


def seeded_rng(*parts: object) -> random.Random:
    """A Random seeded by a stable hash of `parts` (stable across processes, unlike hash())."""
    digest = hashlib.sha256("\x1f".join(repr(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def prompt_tokens(behaviour: Behaviour, tokenizer: CountingTokenizer, messages: tuple[tuple[str, str], ...]) -> int:
    """Template overhead + hidden system prompt + each message's own token count."""
    template = behaviour.template
    total = template.per_request
    if template.hidden_system_prompt:
        total += template.per_message + tokenizer.count(template.hidden_system_prompt)
    for _role, text in messages:
        total += template.per_message + tokenizer.count(text)
    return round(total * behaviour.billing.prompt_factor)


def _randomness(request: ChatInput) -> object:
    if request.seed is not None:
        return ("seed", request.seed)
    if request.temperature == 0:
        return ("greedy",)
    return ("nonce", request.nonce)


def _pick_weighted(answers, rng: random.Random, greedy: bool):
    if greedy:
        return max(answers, key=lambda a: a.weight)
    return rng.choices(answers, weights=[a.weight for a in answers], k=1)[0]


def detect_topic(persona: Persona, text: str) -> tuple[Topic, str] | None:
    """The first topic with a keyword found in `text` (case-insensitive), and that keyword's language."""
    lowered = text.casefold()
    for topic in persona.topics:
        for lang, keywords in topic.keywords.items():
            if any(k.casefold() in lowered for k in keywords):
                return topic, lang
    return None


def _spoofed_name(persona: Persona, system_text: str) -> str | None:
    for pattern in persona.spoof.patterns:
        match = re.search(pattern, system_text)
        if match and match.groups():
            return match.group(1).strip().rstrip(".,;:!")
    return None


def _identity_answer(persona: Persona, request: ChatInput, rng: random.Random) -> tuple[str, str] | None:
    found = detect_topic(persona, request.last_user_text)
    if found is None:
        return None
    topic, lang = found
    greedy = request.temperature == 0 and request.seed is None
    spoof = persona.spoof
    name = _spoofed_name(persona, request.system_text) if topic.name in spoof.topics else None
    if name and spoof.probability > 0:
        follows = spoof.probability >= 0.5 if greedy else rng.random() < spoof.probability
        if follows:
            template = spoof.answers.get(lang) or spoof.answers.get("en") or "I am {name}."
            return template.format(name=name), topic.name
    answers = topic.answers.get(lang) or topic.answers["en"]
    return _pick_weighted(answers, rng, greedy).text, topic.name


_ARITHMETIC = re.compile(r"(-?\d+(?:\.\d+)?)\s*([+\-*x×/])\s*(-?\d+(?:\.\d+)?)")


def _arithmetic_answer(generation: Generation, text: str, rng: random.Random) -> str | None:
    match = _ARITHMETIC.search(text)
    if match is None:
        return None
    a, op, b = float(match.group(1)), match.group(2), float(match.group(3))
    if op == "+":
        value = a + b
    elif op == "-":
        value = a - b
    elif op in "*x×":
        value = a * b
    else:
        if b == 0:
            return "Division by zero is undefined."
        value = a / b
    if rng.random() < generation.arithmetic_error_rate:
        value += rng.choice([-10, -2, -1, 1, 2, 10])
    shown = str(int(value)) if float(value).is_integer() else f"{value:.4g}"
    expression = f"{match.group(1)} {op} {match.group(3)}"
    if generation.style == "terse":
        return shown
    if generation.style == "formal":
        return f"The result of {expression} is {shown}."
    return f"{expression} = {shown}"


_WORDS = ("the model answer data system value result question time people way part world case "
          "point group number fact work place example idea process level order form change "
          "light water sound story line study course reason method test report source signal "
          "careful simple clear useful common general small large early later often always "
          "shows gives makes takes keeps finds brings holds turns means seems helps moves").split()
_STYLE_WORDS = {
    "plain": "so and also then well just really".split(),
    "formal": "moreover consequently therefore furthermore notably accordingly hence".split(),
    "terse": "yes no ok done sure".split(),
}


def _generic_text(generation: Generation, request: ChatInput, version: str, randomness: object) -> str:
    rng = seeded_rng("generic", version, generation.salt, request.messages, randomness)
    low, high = generation.words
    if generation.style == "terse":
        high = max(low, (low + high) // 2)
    count = rng.randint(low, high)
    vocabulary = _WORDS + _STYLE_WORDS[generation.style]
    sentences, sentence = [], []
    for _ in range(count):
        sentence.append(rng.choice(vocabulary))
        if len(sentence) >= rng.randint(6, 14):
            sentences.append(sentence)
            sentence = []
    if sentence:
        sentences.append(sentence)
    return " ".join(" ".join(words).capitalize() + "." for words in sentences)


def _truncate(tokenizer: CountingTokenizer, text: str, max_tokens: int | None) -> tuple[str, str]:
    if max_tokens is None:
        return text, "stop"
    ids = tokenizer.encode(text)
    if len(ids) <= max_tokens:
        return text, "stop"
    return tokenizer.decode(ids[:max_tokens]), "length"


def make_reply(behaviour: Behaviour, tokenizer: CountingTokenizer, version: str, request: ChatInput) -> Reply:
    """The answer and usage of one chat request under one version's behaviour."""
    randomness = _randomness(request)
    rng = seeded_rng("reply", version, request.messages, randomness)
    topic = None
    identity = _identity_answer(behaviour.persona, request, rng)
    if identity is not None:
        text, topic = identity
    else:
        text = (_arithmetic_answer(behaviour.generation, request.last_user_text, rng)
                or _generic_text(behaviour.generation, request, version, randomness))
    text, finish = _truncate(tokenizer, text, request.max_tokens)
    completion = round(tokenizer.count(text) * behaviour.billing.completion_factor)
    return Reply(text=text, finish_reason=finish,
                 prompt_tokens=prompt_tokens(behaviour, tokenizer, request.messages),
                 completion_tokens=completion, topic=topic)


def token_logprobs(behaviour: Behaviour, tokenizer: CountingTokenizer, version: str, request: ChatInput, text: str,
                   top: int) -> list[dict]:
    """Chat Completions `logprobs.content` for `text`: per output token its log-probability and the
    `top` most likely tokens at that position, in the documented shape ({token, logprob, bytes,
    top_logprobs: [{token, logprob, bytes}]}).

    The distribution at a position is the model's: a function of the version's settings (its salt), the
    messages and the position, not of the seed; so one version gives the same numbers to every call of
    a prompt, and another version other numbers. At temperature 0 the chosen token is the most likely.
    """
    out = []
    for position, token_id in enumerate(tokenizer.encode(text)):
        token = tokenizer.decode([token_id])
        rng = seeded_rng("logprobs", version, behaviour.generation.salt, request.messages, position)
        others = [w if position == 0 else " " + w for w in rng.sample(_WORDS, k=max(top, 1) + 1)]
        others = [w for w in others if w != token][:max(top, 1)]
        logits = sorted((rng.gauss(0.0, 1.5) for _ in range(len(others) + 1)), reverse=True)
        rank = 0 if request.temperature == 0 else rng.randrange(len(logits))
        tokens = others[:rank] + [token] + others[rank:]
        tail = rng.uniform(0.05, 0.4)  # the mass of every token not listed
        scale = math.log(sum(math.exp(v) for v in logits) / (1 - tail))
        listed = [{"token": t, "logprob": round(v - scale, 6), "bytes": list(t.encode())}
                  for t, v in zip(tokens, logits)]
        chosen = listed[rank]
        out.append({**chosen, "top_logprobs": listed[:top]})
    return out
