"""Which language a prompt is in, told from its writing system (no model, no dictionary).

Enough for what vidbench needs: knowing that a prompt is not English, so CLIP does not
score it on a fragment (`clip_alignment`) and imports mark it (`lang: zh`). Scripts used by
one main language map to it (Han → zh, kana → ja, Hangul → ko, Thai → th, …). Latin script
cannot be told apart this way (English, French, Spanish, …) and counts as English.
"""

from __future__ import annotations

import unicodedata

# (first code point, last code point, language) for the scripts told apart here.
SCRIPT_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x3040, 0x30FF, "ja"),  # hiragana, katakana
    (0x31F0, 0x31FF, "ja"),  # katakana phonetic extensions
    (0x3400, 0x4DBF, "zh"),  # CJK unified ideographs extension A
    (0x4E00, 0x9FFF, "zh"),  # CJK unified ideographs
    (0xF900, 0xFAFF, "zh"),  # CJK compatibility ideographs
    (0x1100, 0x11FF, "ko"),  # Hangul jamo
    (0xAC00, 0xD7AF, "ko"),  # Hangul syllables
    (0x0400, 0x04FF, "ru"),  # Cyrillic
    (0x0370, 0x03FF, "el"),  # Greek
    (0x0590, 0x05FF, "he"),  # Hebrew
    (0x0600, 0x06FF, "ar"),  # Arabic
    (0x0900, 0x097F, "hi"),  # Devanagari
    (0x0E00, 0x0E7F, "th"),  # Thai
)


def char_language(char: str) -> str | None:
    """The language a letter's script stands for; "en" for Latin, None for non-letters."""
    code = ord(char)
    for first, last, language in SCRIPT_RANGES:
        if first <= code <= last:
            return language
    if char.isalpha() and "LATIN" in unicodedata.name(char, ""):
        return "en"
    return None


def detect_language(text: str) -> str:
    """The language of `text` by its letters' scripts: any kana makes Japanese (written
    with Han too), else the most frequent script wins; Latin or no letters → "en"."""
    counts: dict[str, int] = {}
    for char in text:
        language = char_language(char)
        if language is not None:
            counts[language] = counts.get(language, 0) + 1
    if counts.get("ja"):
        return "ja"
    if not counts:
        return "en"
    return max(sorted(counts), key=lambda lang: counts[lang])


def is_english(text: str) -> bool:
    """Whether `text` reads as English by script (see `detect_language`)."""
    return detect_language(text) == "en"
