"""Whether an article is in English: the entity model is English, and on other languages it
finds capitalised words, not names (`Abrufen`, `Akte` as people)."""
from __future__ import annotations

import re

from ..article import Article

# The commonest English words: in English prose they are a third or more of all words, in
# German, Indonesian or Portuguese prose almost none.
COMMON_ENGLISH = frozenset(
    "the of and to a in is that for it was on with as he she by at said from his her be have has are were "
    "an not this which they will would but or been their who its had after also than more".split())
MIN_SHARE = 0.12  # under this share of common English words, a text is not English
MIN_WORDS = 40  # shorter texts are taken as English: too few words to tell
_WORD = re.compile(r"[^\W\d_]+")


def is_english(article: Article, text: str) -> bool:
    """Not when the page declares another language; else what the words of `text` say (pages built
    from an English template declare `en` over German text)."""
    declared = article.labels.get("language")
    if declared and declared[0].strip().lower()[:2] != "en":
        return False
    return looks_english(text)


def looks_english(text: str) -> bool:
    words = _WORD.findall(text[:20_000].lower())
    if len(words) < MIN_WORDS:
        return True
    return sum(map(COMMON_ENGLISH.__contains__, words)) >= MIN_SHARE * len(words)
