"""Named entities at ingest: placed in the right sentence, even for texts far longer than news."""

from __future__ import annotations

from bot.nlp.language import MAX_ENTITY_CHARS, MAX_PIECE_CHARS, _pieces, find_entities


def test_entities_are_placed_in_their_sentences_across_pieces() -> None:
    sentences = [
        f"Report {n}: Angela Merkel met Emmanuel Macron in Paris on Monday." for n in range(900)
    ]
    assert sum(len(s) + 1 for s in sentences) > 2 * MAX_PIECE_CHARS
    (entities,) = find_entities([sentences])
    assert {e.sentence for e in entities if e.text == "Paris"} == set(range(900))
    for entity in entities:
        assert sentences[entity.sentence][entity.start : entity.end] == entity.text


def test_pieces_cover_every_sentence_once_and_stay_small() -> None:
    sentences = ["short one."] * 5 + ["x" * (3 * MAX_PIECE_CHARS)] + ["after it."] * 3000
    pieces = list(_pieces(sentences))
    assert [first for first, _ in pieces] == sorted(first for first, _ in pieces)
    assert sum(len(piece) for _, piece in pieces) == len(sentences)
    for first, piece in pieces:
        assert len("\n".join(piece)) <= MAX_PIECE_CHARS
        assert all(sentences[first + i].startswith(s) for i, s in enumerate(piece))


def test_stories_keep_their_own_entities() -> None:
    found = find_entities([["Boris Johnson spoke in London."], ["Nothing named here."], []])
    assert [e.text for e in found[0]] == ["Boris Johnson", "London"]
    assert found[1] == [] and found[2] == []


def test_entities_are_looked_for_only_in_the_start_of_a_huge_text() -> None:
    sentence = "Angela Merkel met Emmanuel Macron in Paris on Monday."
    count = 2 * MAX_ENTITY_CHARS // len(sentence)
    (entities,) = find_entities([[sentence] * count])
    found_in = {e.sentence for e in entities}
    assert 0 in found_in
    assert max(found_in) * (len(sentence) + 1) <= MAX_ENTITY_CHARS < count * len(sentence)
