"""The candidate texts a probe is assembled from.

Ordinary English counts alike under most modern tokenizers; digits, CJK, Arabic, Devanagari, emoji,
rare Unicode and code split them. Each segment is short, starts and ends with a visible character
(chat templates trim message text), and holds no special-token markup. Every segment is NFC-normalised
already: Hugging Face tokenizers of some families (Qwen) normalise to NFC and llama.cpp does not, so
text that NFC changes counts differently for the same vocabulary depending on the serving stack
(an uncomposed Zalgo line cost 2 more tokens under llama.cpp's Qwen2 than under Qwen's own tokenizer).
"""

from __future__ import annotations

__all__ = ["CANDIDATES", "BASE_TEXT"]

# The baseline message; the probe is appended after a newline.
BASE_TEXT = "Reply with the single word OK."

CANDIDATES: tuple[str, ...] = (
    # digits: tokenizers split runs into 1, 3 or whole-number pieces
    "3141592653589793238462643383279502884197",
    "2718281828 4590452353 6028747135 2662497757",
    "1 22 333 4444 55555 666666 7777777 88888888",
    "0.000001 1e-9 6.022e23 299792458 1,234,567.89",
    "2024-12-31T23:59:59Z 1970-01-01 12:34:56.789",
    "+1-202-555-0147 (0)20 7946 0958 #4821-9930",
    # CJK, Japanese, Korean
    "机器学习模型的透明度与完整性审计报告",
    "我们在这里测试一个分词器是否被如实报告。",
    "東京都渋谷区の天気は晴れのち曇りでしょう。",
    "カタカナとひらがなとかんじのまざったぶんしょう",
    "한국어 토크나이저는 음절 단위로 나뉘는 경우가 많습니다",
    "龘靐齉齾爩鱻麤龗灪龖厵",
    # right-to-left and Indic scripts
    "مرحبا بالعالم، هذا اختبار لعدد الرموز في النص العربي",
    "שלום עולם זהו מבחן של ספירת אסימונים",
    "नमस्ते दुनिया यह टोकन गिनती का परीक्षण है",
    "বাংলা ভাষায় একটি ছোট পরীক্ষা বাক্য",
    "தமிழ் மொழியில் ஒரு சோதனை வாக்கியம்",
    "ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ",
    "ქართული ენა საინტერესოა",
    "Հայերեն լեզուն հետաքրքիր է",
    "አማርኛ ቋንቋ ፈተና ነው",
    # European scripts with diacritics
    "Привет мир, это проверка подсчёта токенов",
    "Γειά σου κόσμε, αυτή είναι μια δοκιμή",
    "Zażółć gęślą jaźń; Příliš žluťoučký kůň úpěl ďábelské ódy",
    "Ærøskøbing, Þórshöfn, Ísafjörður, Straße, Œuvre",
    "Tiếng Việt có rất nhiều dấu thanh điệu",
    "İstanbul'da ılık bir öğleden sonra",
    # emoji and symbols
    "😀😃😄😁😆😅🤣😂🙂🙃",
    "👩‍👩‍👧‍👦👨‍💻🏳️‍🌈🇯🇵🇧🇷🇿🇦",
    "🦙🐪🦒🦘🦥🦦🦨🦡🦫🦭",
    "✓✗★☆♠♣♥♦♪♫☀☁☂☃",
    "→⇒⇔∀∃∅∇∈∉∑∏√∞≈≠≤≥",
    "𝔄𝔟𝔠 𝕏𝕐ℤ 𝒜𝒷𝒸 𝟘𝟙𝟚𝟛",
    "ǅǈǋ ꙮ ꧁꧂ ༒ ⸎ ⁂ ※",
    # combining marks, NFC-composed (escaped so no editor re-normalises it)
    "Z\u0324\u0354\u0367\u0311\u0313\xe4\u0356\u032d\u0308\u0307l\u036e\u0312\u036b"
    "\u01e7\u0317\u035a\u031ao\u0314\u036e\u0307\u0350\u0307",
    "┌──┬──┐│░▒▓│└──┴──┘",
    "ｆｕｌｌｗｉｄｔｈ　ＡＢＣ１２３",
    # code and markup
    "def f(x):\n    return {k: v**2 for k, v in x.items() if v}",
    "for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; }",
    "SELECT id, name FROM users WHERE created_at >= '2024-01-01';",
    "<div class=\"card\"><span>&nbsp;&amp;&lt;</span></div>",
    "https://example.org/a/b?c=1&d=%E2%9C%93#frag",
    "git rebase -i HEAD~3 && npm run build --if-present",
    "fn main() { let v: Vec<u8> = vec![0xde, 0xad, 0xbe, 0xef]; }",
    "$$\\int_0^\\infty e^{-x^2}\\,dx = \\frac{\\sqrt{\\pi}}{2}$$",
    "{\"key\": [1, 2, 3], \"nested\": {\"ok\": true, \"n\": null}}",
    # punctuation and whitespace runs inside a line
    "!!!??? ... ;;; ::: --- ___ *** ### @@@ %%%",
    "a  b   c    d     e      f",
    "tab\tseparated\tvalues\tin\tone\tline",
    "''\"\"``«»„“‹›「」『』【】",
    # English and morphology (mostly alike, sometimes not)
    "antidisestablishmentarianism floccinaucinihilipilification",
    "The quick brown fox jumps over the lazy dog.",
    "Supercalifragilisticexpialidocious pneumonoultramicroscopicsilicovolcanoconiosis",
    "ALL CAPS TEXT SHOUTS LOUDLY AT EVERYONE",
    "camelCaseIdentifier snake_case_identifier kebab-case-identifier",
)
