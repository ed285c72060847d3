"""How a typed search query becomes a full-text query: pure, no database.

A query is folded to lower-case letters and digits (``fold``/``words``), loses its
Norwegian stop words ("psykolog i bergen" -> psykolog, bergen), and each remaining
word, or phrase of up to three words, becomes a *group*: alternatives any of which may
match, each alternative a list of word prefixes that must all match.  A phrase found in
``EXPANSIONS`` gives every phrase of its set as alternatives, so "dps" also finds
"distriktspsykiatrisk senter" and the other way round.

Typing mistakes: ``edits`` lists every string one edit away from a word (a letter
deleted, inserted, replaced, or two neighbours swapped).  The directory keeps the
prefixes of its indexed words (``index_prefixes``, table ``search_prefix``), so the
service can ask which of those strings are the start of some indexed word and add them
as further alternatives ("psykolg" -> "psykolog", "solbreg" -> "solberg").

The data below is the one place stop words and expansions live.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MAX_WORDS = 8  # a query's words after stop words, each one condition
FUZZY_MIN = 4  # shorter words are not corrected: too many neighbours
FUZZY_MAX = 20  # nor longer ones; ``index_prefixes`` keeps prefixes up to this length + 1
PREFIX_MIN = 4  # the shortest prefix kept, and the shortest correction: 3 letters match too much
ALPHABET = "abcdefghijklmnopqrstuvwxyz"  # folded: æ, ø, å are ae, o, a

# Folded (æ -> ae, ø -> o, å -> a): "på" is "pa", "før" is "for".  Only dropped when the
# query has other words, so typing "av" still finds "avdelingsleder".
STOP_WORDS = frozenset(
    {
        "i", "pa", "paa", "ved", "og", "for", "til", "av", "hos", "med", "fra", "om", "en", "et", "ei",
        "den", "det", "de", "som", "under", "etter", "mot", "innen", "eller", "a",
    }
)  # fmt: skip

# Sets of phrases that mean the same to someone searching.  Each phrase is folded words;
# the English ones are the role and organisation-kind words the index holds
# (``directory.service.search_text_for``), so Norwegian words find those roles.
EXPANSIONS: tuple[frozenset[str], ...] = tuple(
    frozenset(group)
    for group in (
        {"dps", "distriktspsykiatrisk senter", "distriktspsykiatrisk", "district psychiatric centre"},
        {"bht", "bedriftshelsetjeneste", "bedriftshelsetjenesten", "bedriftshelse", "company health service"},
        {"bedriftslege", "bht physician"},
        {"bedriftssykepleier", "bht nurse"},
        {"fastlege", "fastlegen", "allmennlege", "gp"},
        {"legekontor", "legesenter", "legesenteret", "legekontoret", "gp office"},
        {"nav kontor", "navkontor", "nav kontoret", "nav unit", "nav"},
        {"veileder", "saksbehandler", "nav adviser"},
        {"psykolog", "psykologen", "psychologist"},
        {"fysioterapeut", "fysio", "physiotherapist"},
        {"spesialist", "specialist"},
        {"sykehus", "sykehuset", "hospital"},
        {"poliklinikk", "clinic"},
        {"rehabilitering", "rehab", "rehabilitation programme"},
        {"naermeste leder", "leder", "nearest manager"},
        {"tillitsvalgt", "verneombud", "union representative"},
        {"personal", "personalavdeling", "hr"},
        {"vikar", "vikarlege", "locum"},
        {"koordinator", "coordinator"},
        {"arbeidsgiver", "employer"},
    )
)



def fold(value: str) -> str:
    """Lower-case and strip accents so 'Ålesund' matches 'alesund' and 'ålesund'."""
    value = value.lower().replace("ø", "o").replace("æ", "ae").replace("å", "a")
    return "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))


def words(value: str) -> list[str]:
    return [w for w in re.split(r"[^0-9a-z]+", fold(value)) if w]


def query_words(query: str) -> list[str]:
    """The words a query is searched by: stop words dropped unless nothing else is
    left, at most ``MAX_WORDS``."""
    all_words = words(query)
    kept = [w for w in all_words if w not in STOP_WORDS] or all_words
    return kept[:MAX_WORDS]


@dataclass(frozen=True)
class Group:
    """One condition of a query: any alternative matches; an alternative is word
    prefixes that must all be in an actor's index text.  ``word`` is the typed word a
    typing mistake may be corrected in (``None`` for an expanded phrase)."""

    alternatives: tuple[tuple[str, ...], ...]
    word: str | None = None

    def with_corrections(self, corrections: Iterable[str]) -> Group:
        return Group(_simplest(self.alternatives + tuple((c,) for c in corrections)), self.word)


def _covers(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whatever matches ``b`` matches ``a``: each word of ``a`` starts a word of ``b``."""
    return all(any(w.startswith(x) for w in b) for x in a)


def _simplest(alternatives: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
    """The alternatives without those another one covers ("nav" covers "nav kontor")."""
    unique = sorted(set(alternatives), key=lambda a: (len(a), sum(map(len, a)), a))
    kept: list[tuple[str, ...]] = []
    for alt in unique:
        if not any(_covers(k, alt) for k in kept):
            kept.append(alt)
    return tuple(kept)


_PHRASES: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
for _group in EXPANSIONS:
    for _phrase in _group:
        _PHRASES[tuple(_phrase.split())] = _simplest(tuple(tuple(p.split()) for p in _group))
_LONGEST = max(len(p) for p in _PHRASES)


def groups(query: str) -> list[Group]:
    """The query as groups, expansions applied (longest phrase first)."""
    ws, out, i = query_words(query), [], 0
    while i < len(ws):
        for n in range(min(_LONGEST, len(ws) - i), 0, -1):
            phrase = tuple(ws[i : i + n])
            if phrase in _PHRASES:
                out.append(Group(_PHRASES[phrase], ws[i] if n == 1 else None))
                i += n
                break
        else:
            out.append(Group(((ws[i],),), ws[i]))
            i += 1
    return out


def correctable(word: str | None) -> bool:
    return word is not None and FUZZY_MIN <= len(word) <= FUZZY_MAX and not word.isdigit()


def edits(word: str) -> set[str]:
    """Every string one edit from ``word`` (at least ``PREFIX_MIN`` long), itself excluded."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in ALPHABET}
    out |= {a + c + b for a, b in splits for c in ALPHABET}
    out.discard(word)
    return {w for w in out if len(w) >= PREFIX_MIN}


def prune(prefixes: Iterable[str]) -> list[str]:
    """Drop prefixes another in the set already covers ("psykolo" covers "psykolog")."""
    kept: list[str] = []
    for p in sorted(set(prefixes)):
        if not kept or not p.startswith(kept[-1]):
            kept.append(p)
    return kept


def index_prefixes(text: str) -> set[str]:
    """The prefixes of an index text's words that ``search_prefix`` keeps."""
    return {
        w[:n]
        for w in text.split()
        if not w.isdigit()
        for n in range(PREFIX_MIN, min(len(w), FUZZY_MAX + 1) + 1)
    }
