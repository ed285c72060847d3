"""directory.query: how a typed query becomes full-text groups (pure, no database)."""

from __future__ import annotations

from directory import query


def alternatives(q: str) -> list[set[tuple[str, ...]]]:
    return [set(g.alternatives) for g in query.groups(q)]


def test_stop_words_go_unless_nothing_else_is_left():
    assert query.query_words("Psykolog i Bergen") == ["psykolog", "bergen"]
    assert query.query_words("fysioterapeut på Os") == ["fysioterapeut", "os"]
    assert query.query_words("av") == ["av"]  # still a prefix: "avdelingsleder"
    assert query.query_words("i og på") == ["i", "og", "pa"]


def test_every_expansion_works_both_ways():
    for group in query.EXPANSIONS:
        for phrase in group:
            found = alternatives(phrase)
            assert len(found) == 1, phrase
            # Every phrase of the set is matched by some alternative (directly or by a shorter prefix).
            for other in group:
                words = tuple(other.split())
                assert any(query._covers(alt, words) for alt in found[0]), (phrase, other)


def test_longest_phrase_first_and_covered_alternatives_dropped():
    assert alternatives("distriktspsykiatrisk senter bergen") == [
        {("dps",), ("distriktspsykiatrisk",), ("district", "psychiatric", "centre")}, {("bergen",)}]
    assert alternatives("NAV-kontor") == [{("nav",)}]  # "nav" covers "nav kontor", "navkontor", "nav unit"


def test_one_edit_neighbours():
    edits = query.edits("solbreg")
    assert "solberg" in edits  # two letters swapped
    assert "solbrg" in edits and "solbregx" in edits and "solbxeg" in edits
    assert "solbreg" not in edits
    assert all(len(e) >= query.PREFIX_MIN for e in query.edits("psyk"))
    assert "psykolog" in query.edits("psykolg")


def test_only_words_of_a_useful_length_are_corrected():
    assert not query.correctable("ola") and query.correctable("olav")
    assert not query.correctable("x" * (query.FUZZY_MAX + 1)) and not query.correctable("12345678")
    assert not query.correctable(None)


def test_prune_and_index_prefixes():
    assert query.prune(["psykolog", "psykolo", "solberg"]) == ["psykolo", "solberg"]
    prefixes = query.index_prefixes("sara moe psykologspesialist 4567890")
    assert {"sara", "psyk", "psykolog"} <= prefixes
    assert "moe" not in prefixes and "4567890" not in prefixes  # under 4 letters; identifiers
    assert "psykologspesialist" in prefixes  # the whole word too
    long = query.index_prefixes("a" * 30)
    assert max(map(len, long)) == query.FUZZY_MAX + 1  # enough for a 20-letter word with a letter added
