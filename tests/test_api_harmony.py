"""/generate/chords, /generate/bassline and /generate/melody through the real app, on tiny models
trained from fixture songs by the real training entry point. Every check decodes the MIDI."""

import pytest

from beatengine.theory import Key, parse_chord, parse_key
from tests.conftest import CONSENT, decode_midi, make_client


@pytest.fixture
def hc(harmony_models, tmp_path):
    with make_client(tmp_path, model_dir=harmony_models) as c:
        yield c


def notes_of(mid) -> list[tuple[float, int, float]]:
    """(start beat, pitch, length in beats) of every note in a decoded MIDI file."""
    out = []
    for track in mid.tracks:
        t, open_ = 0, {}
        for msg in track:
            t += msg.time
            if msg.type == "note_on" and msg.velocity:
                open_[msg.note] = t
            elif msg.type in ("note_off", "note_on") and msg.note in open_:
                s = open_.pop(msg.note)
                out.append((s / mid.ticks_per_beat, msg.note, (t - s) / mid.ticks_per_beat))
    return sorted(out)


def meta(mid, kind: str):
    return next(m for m in mid.tracks[0] if m.type == kind)


def length_beats(mid) -> float:
    return max(sum(m.time for m in tr) for tr in mid.tracks) / mid.ticks_per_beat


def post(c, role: str, **body):
    return c.post(f"/generate/{role}", json={"consent": CONSENT, "seed": 7, **body})


@pytest.mark.parametrize("tonic", ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"])
def test_chords_in_every_key(client, tonic):
    """The shipped chord model: mostly diatonic progressions in every key and mode."""
    for mode in ("major", "minor"):
        r = post(client, "chords", key=f"{tonic} {mode}", bars=4, complexity=0.0)
        assert r.status_code == 200, r.text
        v = r.json()["variations"][0]
        key = parse_key(f"{tonic} {mode}")
        chords = [parse_chord(c["symbol"]) for c in v["chords"]]
        assert sum(c["beats"] for c in v["chords"]) == 16
        assert all(len(c.intervals) == 3 for c in chords)                 # complexity 0: triads
        diatonic = sum(c.pitch_classes <= set(key.scale) for c in chords) / len(chords)
        assert diatonic >= 0.6, [c.symbol for c in chords]
        mid = decode_midi(v)
        assert meta(mid, "key_signature").key == key.midi_key_signature()
        sounding = {p % 12 for _, p, _ in notes_of(mid)}
        assert sounding <= set().union(*(c.pitch_classes for c in chords))


def test_modes_and_their_signatures(hc):
    for text in ("D dorian", "G mixolydian", "E phrygian", "F lydian"):
        r = post(hc, "chords", key=text, bars=2)
        assert r.status_code == 200, r.text
        assert r.json()["params"]["key"] == str(parse_key(text))
        assert meta(decode_midi(r.json()["variations"][0]), "key_signature").key == \
            parse_key(text).midi_key_signature()


def test_locked_chords_are_kept_exactly(hc):
    locked = ["Am7", None, "F/A", {"symbol": "Bbmaj7", "beats": 2}, {"symbol": "C#m7b5", "beats": 2}]
    r = post(hc, "chords", key="A minor", bars=6, chords=locked)
    assert r.status_code == 200, r.text
    got = r.json()["variations"][0]["chords"]
    by_start = {c["start"]: c for c in got}
    assert by_start[0.0]["symbol"] == "Am7" and by_start[0.0]["beats"] == 4
    assert by_start[8.0]["symbol"] == "F/A"
    assert by_start[12.0] == {"symbol": "Bbmaj7", "start": 12.0, "beats": 2}
    assert by_start[14.0] == {"symbol": "C#m7b5", "start": 14.0, "beats": 2}
    assert 4.0 in by_start and by_start[4.0]["symbol"]                  # the null bar was written
    assert sum(c["beats"] for c in got) == 24
    notes = notes_of(decode_midi(r.json()["variations"][0]))
    assert min(p for s, p, _ in notes if 8 <= s < 12) % 12 == 9          # F/A: A in the bass


def test_harmonic_rhythm_and_metre(hc):
    r = post(hc, "chords", key="C major", bars=4, chords_per_bar=2)
    chords = r.json()["variations"][0]["chords"]
    assert [c["start"] for c in chords] == [2.0 * i for i in range(8)]
    r = post(hc, "chords", key="C major", bars=4, time_signature="3/4")
    mid = decode_midi(r.json()["variations"][0])
    ts = meta(mid, "time_signature")
    assert (ts.numerator, ts.denominator) == (3, 4) and length_beats(mid) == 12
    assert post(hc, "chords", key="C major", bars=4, time_signature="3/4",
                chords_per_bar=2).status_code == 422


@pytest.mark.parametrize("bad", ["H7", "Cmaj13#11b9x", "Am/Q"])
def test_unknown_chord_symbols_are_named(hc, bad):
    for role in ("chords", "bassline", "melody"):
        r = post(hc, role, chords=["C", bad])
        assert r.status_code == 422 and bad in r.text


def test_bassline_lands_on_the_roots(hc):
    chords = ["Am", "F", "C/E", "G"]
    for genre in ("trap", "house", "rock", "funk"):
        r = post(hc, "bassline", genre=genre, chords=chords, bars=8, bpm=120)
        assert r.status_code == 200, r.text
        v = r.json()["variations"][0]
        notes = notes_of(decode_midi(v))
        roots = [9, 5, 4, 7]                                            # C/E: E in the bass
        for bar in range(8):
            in_bar = [(s, p) for s, p, _ in notes if bar * 4 <= s < bar * 4 + 4]
            first = [p for s, p in in_bar if s == min(s for s, _ in in_bar)]
            assert first and min(first) % 12 == roots[bar % 4], (genre, bar)
            # house plays off the beat: its first note is on an "and", the others' on the one
            start = min(s for s, _ in in_bar) - bar * 4
            assert (start % 1 == 0.5 if genre == "house" else start == 0), (genre, bar)
        assert all(28 <= p <= 55 for _, p, _ in notes)
        assert v["adherence"]["downbeat_roots"] == 1.0 and v["adherence"]["in_key"] == 1.0
        assert r.json()["params"]["key"] == "A minor"                     # inferred, returned
        assert r.json()["params"]["key_source"] == "inferred from chords"


def test_bassline_without_chords_makes_and_returns_a_progression(hc):
    r = post(hc, "bassline", key="E minor", bars=4)
    assert r.status_code == 200, r.text
    v = r.json()["variations"][0]
    assert sum(c["beats"] for c in v["chords"]) == 16
    assert r.json()["params"]["chords_source"].startswith("made by chords")
    spans = [(c["start"], parse_chord(c["symbol"])) for c in v["chords"]]
    for s, p, _ in notes_of(decode_midi(v)):
        if s in {x for x, _ in spans}:
            assert p % 12 == dict(spans)[s].bass_pc


def test_bassline_locks_to_a_drum_generation(hc):
    d = post(hc, "drums", genre="trap", bars=4, fills=0)
    assert d.status_code == 200
    kicks = {n["start"] for n in d.json()["variations"][0]["tracks"][0]["notes"] if n["pitch"] == 36}
    body = {"genre": "trap", "bars": 4, "chords": ["Am", "F"], "bpm": 140}
    locked = post(hc, "bassline", drums={"generation_id": d.json()["generation_id"]}, **body)
    free = post(hc, "bassline", **body)
    assert locked.status_code == 200, locked.text
    assert locked.json()["params"]["locked_to_kicks"] is True

    def on_kicks(resp) -> float:
        onsets = [s for s, _, _ in notes_of(decode_midi(resp.json()["variations"][0]))]
        return sum(any(abs(s - k) < 0.13 for k in kicks) for s in onsets) / len(onsets)

    assert on_kicks(locked) > on_kicks(free)
    other = post(hc, "bassline", drums={"generation_id": "nope"}, **body)
    assert other.status_code == 422 and "nope" in other.text


def test_melody_in_key_with_repeating_motifs(hc):
    for tonic in range(12):
        key = Key(tonic, "major" if tonic % 2 else "minor")
        r = post(hc, "melody", key=str(key), bars=8, chords=None)
        assert r.status_code == 200, r.text
        v = r.json()["variations"][0]
        notes = notes_of(decode_midi(v))
        allowed = set(key.scale)
        spans = [(c["start"], c["start"] + c["beats"], parse_chord(c["symbol"])) for c in v["chords"]]
        for s, p, _ in notes:
            chord = next(c for a, b, c in spans if a <= s < b)
            assert p % 12 in allowed or p % 12 in chord.pitch_classes
        assert all(60 <= p <= 84 for _, p, _ in notes)
        assert v["adherence"]["in_key"] == 1.0
    # bars 1-2 come back in bars 5-6: the motif repeats
    rhythm = [[round(s - 8 * u, 2) for s, _, _ in notes if 8 * u <= s < 8 * u + 8] for u in range(4)]
    shared = len(set(rhythm[0]) & set(rhythm[2])) / max(len(set(rhythm[0])), 1)
    assert shared >= 0.6


def test_bars_tempo_metre_and_seed(hc):
    for role in ("chords", "bassline", "melody"):
        for ts, bpb in (("4/4", 4), ("3/4", 3), ("6/8", 3)):
            body = {"key": "G major", "bars": 5, "bpm": 97, "time_signature": ts}
            if role != "chords":
                body["chords"] = ["G", "Em", "C", "D"]
            r = post(hc, role, **body)
            assert r.status_code == 200, (role, ts, r.text)
            mid = decode_midi(r.json()["variations"][0])
            assert length_beats(mid) == 5 * bpb
            assert round(60_000_000 / meta(mid, "set_tempo").tempo, 3) == 97
            assert max(s + d for s, _, d in notes_of(mid)) <= 5 * bpb + 1e-6
        a = post(hc, role, key="D minor", bars=4, variations=2).json()
        b = post(hc, role, key="D minor", bars=4, variations=2).json()
        assert a["variations"] == b["variations"]


def test_register_and_bad_requests(hc):
    r = post(hc, "melody", key="C major", bars=4, register_low=72, register_high=88,
             chords=["C", "G"])
    assert all(72 <= p <= 88 for _, p, _ in notes_of(decode_midi(r.json()["variations"][0])))
    assert post(hc, "melody", register_low=60, register_high=65).status_code == 422
    assert post(hc, "chords", key="H major").status_code == 422
    assert post(hc, "bassline", key="C major", chords=["C", None]).status_code == 422
    r = hc.post("/generate/melody", json={"consent": {**CONSENT, "terms_accepted": False}})
    assert r.status_code == 403


def test_requests_that_cannot_be_met_get_a_clear_422(client):
    """Found in review: each once answered 200 with something wrong, or hung."""
    cases = [
        ("bassline", {"bars": 64, "chords": [{"symbol": "Am", "beats": 0.001}]}, "multiple of 0.25"),
        ("melody", {"register_low": 0, "register_high": 12}, "register 0-12"),
        ("bassline", {"register_low": 115, "register_high": 127}, "register 115-127"),
        ("chords", {"chords": [{"symbol": "Am", "beats": 1.5}]}, "whole beats"),
        ("melody", {"chords": ["Am", None]}, "empty (null) bars"),
        ("arrangement", {"tracks": ["drums", "drums"]}, "twice"),
    ]
    for role, body, words in cases:
        r = post(client, role, **body)
        assert r.status_code == 422 and words in r.text, (role, r.text)
    assert post(client, "melody", chords=["C6/9", "Am"], bars=2).status_code == 200


def test_a_short_drum_loop_locks_every_bar_and_metres_must_match(client):
    d = post(client, "drums", genre="trap", bars=2, fills=0).json()
    r = post(client, "bassline", genre="trap", bars=8, chords=["Am", "F"],
             drums={"generation_id": d["generation_id"]})
    assert r.status_code == 200
    bars_with_notes = {int(n["start"] // 4) for n in r.json()["variations"][0]["tracks"][0]["notes"]}
    assert bars_with_notes == set(range(8))
    waltz = post(client, "drums", bars=2, time_signature="3/4").json()
    r = post(client, "bassline", bars=4, drums={"generation_id": waltz["generation_id"]})
    assert r.status_code == 422 and "3/4" in r.text
