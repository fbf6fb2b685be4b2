"""/generate/arrangement through the real app (tiny harmony models, shipped drums), checked on the
decoded MIDI: sections and markers, exact bars, one key, bass on the roots, shared progressions."""

import pytest

from beatengine.arrangement import form_for
from beatengine.arrangement.energy import thin
from beatengine.genres import GENRE_NAMES
from beatengine.midi_io import Note
from beatengine.theory import parse_chord, parse_key
from tests.conftest import CONSENT, decode_midi, make_client
from tests.test_api_harmony import length_beats, meta, notes_of

SECTIONS = [{"name": "intro", "bars": 4, "energy": 0.3}, {"name": "verse", "bars": 8, "energy": 0.6},
            {"name": "chorus", "bars": 8, "energy": 0.95}, {"name": "breakdown", "bars": 4,
                                                            "energy": 0.35},
            {"name": "chorus", "bars": 8, "energy": 0.95}]


@pytest.fixture
def ac(harmony_models, tmp_path):
    with make_client(tmp_path, model_dir=harmony_models) as c:
        yield c


def arrange(c, **body):
    r = c.post("/generate/arrangement", json={"consent": CONSENT, "seed": 3, **body})
    assert r.status_code == 200, r.text
    return r.json()


def track_notes(mid, name: str) -> list[tuple[float, int, float]]:
    for i, tr in enumerate(mid.tracks):
        if any(m.type == "track_name" and m.name == name for m in tr):
            one = type(mid)(ticks_per_beat=mid.ticks_per_beat)
            one.tracks.append(mid.tracks[i])
            return notes_of(one)
    return []


def markers_of(mid) -> list[tuple[float, str]]:
    """(beat, text) of every marker in a decoded MIDI file."""
    out = []
    for tr in mid.tracks:
        t = 0
        for m in tr:
            t += m.time
            if m.type == "marker":
                out.append((t / mid.ticks_per_beat, m.text))
    return out


def test_sections_markers_bars_and_tracks(ac):
    body = arrange(ac, genre="house", key="A minor", bpm=124, sections=SECTIONS)
    v = body["variations"][0]
    mid = decode_midi(v)
    starts = [0, 16, 48, 80, 96]
    assert markers_of(mid) == [(s, sec["name"]) for s, sec in zip(starts, SECTIONS, strict=True)]
    assert [s["start"] for s in v["sections"]] == starts
    assert length_beats(mid) == 32 * 4 == body["params"]["bars"] * 4
    names = {m.name for tr in mid.tracks for m in tr if m.type == "track_name"}
    assert {"Drums", "Bass", "Chords", "Lead"} <= names
    drums = next(t for t in v["tracks"] if t["is_drum"])
    assert drums["channel"] == 9
    intro = [n for n in drums["notes"] if n["start"] < 16]
    # a house intro is drums first: a kick in every bar and hats, no snare yet
    assert {int(n["start"] // 4) for n in intro if n["pitch"] in (35, 36)} == {0, 1, 2, 3}
    assert not {n["pitch"] for n in intro} & {38, 39, 40}
    breakdown = [n for n in drums["notes"] if 80 <= n["start"] < 96]
    assert not any(n["pitch"] in (35, 36) for n in breakdown)   # the breakdown drops the kick
    assert meta(mid, "key_signature").key == "Am"
    # parts drop out at low energy: no bass or lead in the intro and the breakdown
    for name in ("Bass", "Lead"):
        notes = track_notes(mid, name)
        assert notes and not [s for s, _, _ in notes if s < 16 or 80 <= s < 96]


def test_one_key_bass_roots_and_shared_progressions(ac):
    body = arrange(ac, genre="pop", key="D major", sections=SECTIONS)
    v = body["variations"][0]
    key = parse_key("D major")
    mid = decode_midi(v)
    spans = [(c["start"], c["start"] + c["beats"], parse_chord(c["symbol"])) for c in v["chords"]]

    def chord_at(t):
        return next(ch for a, b, ch in spans if a <= t < b)

    for name in ("Bass", "Chords", "Lead"):
        for s, p, _ in track_notes(mid, name):
            assert p % 12 in key.scale or p % 12 in chord_at(s).pitch_classes, (name, s, p)
    bass = track_notes(mid, "Bass")
    downbeats = [b * 4 for b in range(32) if any(s == b * 4 for s, _, _ in bass)]
    hits = sum(min(p for s, p, _ in bass if s == d) % 12 == chord_at(d).bass_pc for d in downbeats)
    assert downbeats and hits / len(downbeats) == 1.0       # as the bassline endpoint: every one
    chorus = [[(c["start"] - start, c["symbol"]) for c in v["chords"] if start <= c["start"] < start + 32]
              for start in (48, 96)]
    assert chorus[0] == chorus[1]
    lead = [p for _, p, _ in track_notes(mid, "Lead")]
    chords = [p for _, p, _ in track_notes(mid, "Chords")]
    assert min(lead) >= max(chords) - 2                     # the lead sits above the chords


def test_form_from_bars_and_bad_requests(ac):
    body = arrange(ac, genre="trap", bars=34, tracks=["drums", "chords"])
    sections = [(s["name"], s["bars"]) for s in body["variations"][0]["sections"]]
    # 8 phrases, and the 2 bars over them a tag on the outro
    assert sections == [("intro", 4), ("hook", 8), ("verse", 8), ("hook", 8), ("outro", 6)]
    assert body["params"]["bars"] == 34
    assert {t["name"] for t in body["variations"][0]["tracks"]} == {"Drums", "Chords"}
    assert length_beats(decode_midi(body["variations"][0])) == 136
    too_long = [{"name": "a", "bars": 40}, {"name": "b", "bars": 40}]
    r = ac.post("/generate/arrangement", json={"consent": CONSENT, "sections": too_long})
    assert r.status_code == 422 and "80 bars" in r.text
    r = ac.post("/generate/arrangement", json={"consent": CONSENT, "tracks": ["kazoo"]})
    assert r.status_code == 422


def test_form_fits_any_length():
    for genre in ("house", "trap", "rock"):
        for bars in (1, 3, 8, 17, 32, 64):
            form = form_for(genre, bars)
            assert sum(s.bars for s in form) == bars and all(s.bars >= 1 for s in form)


def test_default_forms_are_whole_phrases():
    """Every genre's default form at 16, 20, ..., 80 bars: sections of 4, 8 or 16 bars; from 28
    bars the hook section (chorus, hook or drop) returns, as long as the first time, so it can
    replay whole."""
    for genre in GENRE_NAMES:
        for bars in range(16, 81, 4):
            form = form_for(genre, bars)
            assert sum(s.bars for s in form) == bars
            assert all(s.bars in (4, 8, 16) for s in form), (genre, bars, form)
            hooks = [s.bars for s in form if s.name in ("chorus", "hook", "drop")]
            assert bars < 28 or (len(hooks) >= 2 and hooks[1] == hooks[0]), (genre, bars, form)


@pytest.mark.parametrize("genre", ["pop", "house", "trap"])
def test_shipped_arrangement_in_phrases_one_key_and_the_hook_returns(client, genre):
    """The shipped models' default form: markers on 4-bar phrase boundaries, every pitched note
    in the song's key, the second chorus (or hook, or drop) replaying the first one's lead."""
    r = client.post("/generate/arrangement", json={"consent": CONSENT, "seed": 1, "genre": genre,
                                                   "bars": 32})
    assert r.status_code == 200, r.text
    body = r.json()
    v = body["variations"][0]
    mid = decode_midi(v)
    assert all(start % 16 == 0 for start, _ in markers_of(mid))
    key = parse_key(body["params"]["key"])
    pitched = [p for name in ("Bass", "Chords", "Lead") for _, p, _ in track_notes(mid, name)]
    assert sum(p % 12 in key.scale for p in pitched) >= 0.95 * len(pitched)
    by_name: dict[str, list] = {}
    for s in v["sections"]:
        by_name.setdefault(s["name"], []).append(s)
    hook = next(ss for ss in by_name.values() if len(ss) > 1 and "melody" in ss[0]["parts"])
    lead = track_notes(mid, "Lead")

    def notes_in(s, beats):
        return {(round(t - s["start"], 3), p) for t, p, _ in lead if s["start"] <= t < s["start"] + beats}
    beats = min(ss["bars"] for ss in hook[:2]) * 4
    first, second = notes_in(hook[0], beats), notes_in(hook[1], beats)
    assert first and len(first & second) >= 0.75 * len(first)


@pytest.mark.parametrize("genre", ["house", "techno"])
def test_dj_intros_and_outros_have_a_kick_in_every_bar(client, genre):
    r = client.post("/generate/arrangement", json={"consent": CONSENT, "seed": 2, "genre": genre,
                                                   "bars": 32, "tracks": ["drums", "chords"]})
    v = r.json()["variations"][0]
    drums = track_notes(decode_midi(v), "Drums")
    for s in v["sections"]:
        bars = set(range(int(s["start"] // 4), int(s["start"] // 4) + s["bars"]))
        kicked = {int(t // 4) for t, p, _ in drums if p in (35, 36)} & bars
        if s["name"] in ("intro", "outro"):
            assert kicked == bars, s
        if s["name"] == "breakdown":
            assert not kicked, s


def test_your_chords_are_followed_by_every_part(client):
    """Song chords run on through the sections; a section's own chords replace them there."""
    sections = [{"name": "verse", "bars": 4, "energy": 0.6},
                {"name": "chorus", "bars": 4, "energy": 0.95, "chords": ["F", "G", "C", "C"]}]
    r = client.post("/generate/arrangement", json={
        "consent": CONSENT, "seed": 1, "genre": "pop", "sections": sections,
        "chords": ["Am", "Dm", "E7", "Am"]})
    assert r.status_code == 200, r.text
    body = r.json()
    v = body["variations"][0]
    assert body["params"]["key"] == "A minor"
    assert [c["symbol"] for c in v["chords"]] == ["Am", "Dm", "E7", "Am", "F", "G", "C", "C"]
    mid = decode_midi(v)
    bass = track_notes(mid, "Bass")
    roots = [9, 2, 4, 9, 5, 7, 0, 0]
    for bar, root in enumerate(roots):
        first = [p for t, p, _ in bass if abs(t - bar * 4) < 0.15]   # on the kick's tick
        assert first and min(first) % 12 == root, (bar, first)
    chords = track_notes(mid, "Chords")
    e7 = {p % 12 for t, p, _ in chords if 8 <= t < 12}
    assert 8 in e7                                                  # G# of E7, as given
    r = client.post("/generate/arrangement", json={"consent": CONSENT, "chords": ["H7"]})
    assert r.status_code == 422 and "H7" in r.text


def per_bar_by_section(mid, sections) -> list[dict[str, float]]:
    """Notes per bar of each track in each section, a note counted where its nearest 16th is (a
    drum hit a few ms early still belongs to the section it opens)."""
    out = []
    for s in sections:
        a, b = s["start"], s["start"] + s["bars"] * 4
        out.append({name: sum(a <= round(t * 4) / 4 < b for t, _, _ in track_notes(mid, name))
                    / s["bars"] for name in TRACKS})
    return out


TRACKS = ("Drums", "Bass", "Chords", "Lead")


@pytest.mark.parametrize(("genre", "bars", "seed"), [("pop", 32, 4), ("house", 32, 4), ("trap", 64, 4),
                                                  ("rock", 48, 4), ("rock", 32, 1), ("reggae", 32, 1)])
def test_notes_per_bar_rise_with_energy(client, genre, bars, seed):
    """Decoded MIDI of the default form: in every part, no section has more notes per bar than a
    section of higher energy, nor a louder kick and snare; the most energetic section is busier
    and louder than the quietest."""
    r = client.post("/generate/arrangement", json={"consent": CONSENT, "seed": seed, "genre": genre,
                                                   "bars": bars})
    assert r.status_code == 200, r.text
    v = r.json()["variations"][0]
    mid = decode_midi(v)
    sections = v["sections"]
    density = per_bar_by_section(mid, sections)
    for name in TRACKS:
        for (lo, dlo), (hi, dhi) in ((a, b) for a in zip(sections, density, strict=True)
                                     for b in zip(sections, density, strict=True)):
            if lo["energy"] < hi["energy"]:
                assert dlo[name] <= dhi[name], (name, lo, dlo[name], hi, dhi[name])
    quiet = min(range(len(sections)), key=lambda i: sections[i]["energy"])
    loud = max(range(len(sections)), key=lambda i: sections[i]["energy"])
    assert sum(density[loud].values()) > 1.5 * sum(density[quiet].values())

    def velocity(i):
        s = sections[i]
        vel = [n["velocity"] for t in v["tracks"] if t["name"] == "Chords" for n in t["notes"]
               if s["start"] <= n["start"] < s["start"] + s["bars"] * 4]
        return sum(vel) / len(vel)
    assert velocity(loud) > velocity(quiet) + 10
    drums = [n for t in v["tracks"] if t["is_drum"] for n in t["notes"]]

    def backbone(s):      # the mean velocity of kick and snare on the beat: what you hear as loud
        vel = [n["velocity"] for n in drums if n["pitch"] in (35, 36, 37, 38, 39, 40)
               and s["start"] <= n["start"] < s["start"] + s["bars"] * 4
               and abs(n["start"] - round(n["start"])) < 0.1]
        return sum(vel) / len(vel) if vel else None
    loudness = [(s["energy"], backbone(s)) for s in sections if backbone(s) is not None]
    for e1, v1 in loudness:
        assert all(v1 <= v2 + 3 for e2, v2 in loudness if e1 < e2), loudness
    chords = [(round(t, 3), p) for t, p, _ in track_notes(mid, "Chords")]
    quiet_start = sections[quiet]["start"]
    quiet_chords = [t for t, _ in chords if quiet_start <= t < quiet_start + sections[quiet]["bars"] * 4]
    assert max(quiet_chords.count(t) for t in quiet_chords) <= 3     # fewer layers when quiet


def test_a_build_rises_into_the_drop(client):
    """House's build ends in a snare roll (8ths, then 16ths in its last bar, ever louder) in place
    of a fill; the drop that follows starts on its downbeat with the kick."""
    r = client.post("/generate/arrangement", json={"consent": CONSENT, "seed": 3, "genre": "house",
                                                   "bars": 32, "tracks": ["drums"]})
    v = r.json()["variations"][0]
    build = next(s for s in v["sections"] if s["name"] == "build")
    end = build["start"] + build["bars"] * 4
    drums = track_notes(decode_midi(v), "Drums")
    velocity = {(round(n["start"], 3), n["pitch"]): n["velocity"]
                for t in v["tracks"] if t["is_drum"] for n in t["notes"]}
    roll = [(t, velocity[round(t, 3), p]) for t, p, _ in drums
            if p in (37, 38, 39, 40) and end - 8 <= t < end]
    assert [t for t, _ in roll] == [end - 8 + k * 0.5 for k in range(8)] + [
        end - 4 + k * 0.25 for k in range(16)]
    louder = [vel for _, vel in roll]
    assert louder == sorted(louder) and louder[-1] > louder[0] + 40
    assert any(abs(t - end) < 0.1 and p in (35, 36) for t, p, _ in drums)


def test_thinning_mutes_what_a_producer_mutes_first():
    """A bar of kick, backbeat, 16th hats and ghost snares thinned to half keeps the kicks and the
    backbeat and drops the soft off-beat 16ths first."""
    kicks = [Note(36, float(b), 0.1, 110) for b in range(4)]
    backbeat = [Note(38, b, 0.1, 105) for b in (1.0, 3.0)]
    hats = [Note(42, k * 0.25, 0.1, 70 if k % 2 == 0 else 45) for k in range(16)]
    ghosts = [Note(38, t, 0.1, 30) for t in (0.75, 2.25)]
    bar = kicks + backbeat + hats + ghosts
    kept = thin("drums", bar, 12, 4)
    assert len(kept) == 12 and set(kicks + backbeat) <= set(kept)
    assert not set(ghosts) & set(kept)
    assert all(n.start % 0.5 == 0 for n in kept)


def test_every_genre_s_default_arrangement_stays_in_its_key(client):
    """All genres, 32 bars, default settings: at least 95% of the pitched notes in the song's key
    and mode, the markers on 4-bar phrase boundaries."""
    for genre in GENRE_NAMES:
        r = client.post("/generate/arrangement", json={"consent": CONSENT, "seed": 2,
                                                       "genre": genre, "bars": 32})
        assert r.status_code == 200, r.text
        body = r.json()
        mid = decode_midi(body["variations"][0])
        key = parse_key(body["params"]["key"])
        pitched = [p for name in ("Bass", "Chords", "Lead") for _, p, _ in track_notes(mid, name)]
        assert sum(p % 12 in key.scale for p in pitched) >= 0.95 * len(pitched), genre
        assert all(start % 16 == 0 for start, _ in markers_of(mid)), genre


def bar_hits(drums, bar: int) -> set[tuple[float, int]]:
    """(16th step in the bar, pitch) of the drum hits of one bar (song bars of 4 beats)."""
    return {(round((t - bar * 4) * 4), p) for t, p, _ in drums if bar * 4 <= round(t * 4) / 4 < bar * 4 + 4}


def test_a_returning_section_replays_its_drums_and_bass(client):
    """Pop, 32 bars: intro 4, verse 8, chorus 8, verse 4, chorus 8. The 4-bar second verse plays
    the first verse's first three bars and its fill bar; the closing chorus the first chorus's
    bars, its fill bar replaced by the bar a phrase earlier. Crashes only on phrase starts, one
    on each chorus's downbeat."""
    r = client.post("/generate/arrangement", json={"consent": CONSENT, "seed": 1, "genre": "pop",
                                                   "bars": 32})
    v = r.json()["variations"][0]
    assert [(s["name"], s["bars"]) for s in v["sections"]] == [
        ("intro", 4), ("verse", 8), ("chorus", 8), ("verse", 4), ("chorus", 8)]
    mid = decode_midi(v)
    drums = track_notes(mid, "Drums")
    # song bars (from 1): verse 2 = bars 21-24, verse 1 = 5-12; chorus 2 = 25-32, chorus 1 = 13-20
    replayed = [(21, 5), (22, 6), (23, 7), (24, 12)] + [(25 + k, 13 + k) for k in range(7)] + [
        (32, 16)]
    for new, old in replayed:
        a, b = bar_hits(drums, new - 1), bar_hits(drums, old - 1)
        assert a and len(a & b) >= 0.9 * len(a | b), (new, old)
    bass = {(round(t - 48, 3), p) for t, p, _ in track_notes(mid, "Bass") if 48 <= t < 76}
    again = {(round(t - 96, 3), p) for t, p, _ in track_notes(mid, "Bass") if 96 <= t < 124}
    assert bass and len(bass & again) >= 0.9 * len(bass)
    crashes = [t for t, p, _ in drums if p == 49]
    assert all(abs(t / 16 - round(t / 16)) < 0.01 for t in crashes)
    assert {48, 96} <= {round(t) for t in crashes}
