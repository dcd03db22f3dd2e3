"""Near-duplicate detection for the question bank. Pure."""

import re
import unicodedata
from itertools import combinations

_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Ideographic punctuation NFKC leaves alone but agents type either way.
_PUNCTUATION = str.maketrans({"。": ".", "、": ",", "“": '"', "”": '"', "‘": "'", "’": "'"})


def normalize_answer(text: str) -> str:
    """Full-width and half-width, spaces and case do not change what a text says."""
    folded = unicodedata.normalize("NFKC", str(text)).translate(_PUNCTUATION)
    return _SPACE.sub("", folded).casefold()


def _shingles(text: str) -> frozenset[str]:
    text = normalize_answer(text)
    return frozenset(text[i:i + 2] for i in range(max(len(text) - 1, 1)))


def similarity(a: str, b: str) -> float:
    """Jaccard overlap of character pairs: Chinese has no word boundaries to split on."""
    left, right = _shingles(a), _shingles(b)
    return len(left & right) / len(left | right) if left | right else 1.0


# Tuned on the shipped bank: rewordings of one question score 0.68 and up, questions that
# merely share a subject (what 160 and what 80 mean in 160/80A) stay below 0.65.
NEAR_DUPLICATE = 0.66


def near_duplicates(texts: dict[str, str],
                    threshold: float = NEAR_DUPLICATE) -> list[tuple[str, str, float]]:
    """Pairs of keys whose texts overlap at least `threshold`, most similar first.

    Texts with different figures are never duplicates: "合计 +26 分" and "合计 −25 分" test
    different boundaries of one rule."""
    shingled = {key: (_shingles(text), _NUMBER.findall(normalize_answer(text)))
                for key, text in texts.items()}
    pairs = []
    for (a, (sa, na)), (b, (sb, nb)) in combinations(shingled.items(), 2):
        if na != nb:
            continue
        union = len(sa | sb)
        score = len(sa & sb) / union if union else 1.0
        if score >= threshold:
            pairs.append((a, b, round(score, 3)))
    return sorted(pairs, key=lambda p: -p[2])
