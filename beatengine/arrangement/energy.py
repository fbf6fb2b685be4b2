"""What a section's energy (0-1) does to its parts, so that quiet sections sound quiet:

- which parts play (`parts_for`) and which drum pieces (`drums_left_out`);
- how many voices the chords have and how loud every part is (`chord_voices`, `gain`), every
  section's drums first brought to one touch (`even_touch`);
- a riser (a snare roll, 8ths then 16ths, getting louder) at the end of a build or breakdown that
  leads into a drop or chorus (`riser`); fills only into a section as busy or busier
  (`fills_into`); crashes only on phrase starts, one where a busy section enters
  (`crashes_placed`);
- density that follows energy (`order_by_energy`): after the parts are written, a section is thinned
  until, part by part, it has no more notes per bar than any section of higher energy. Thinning
  drops what a producer mutes first: chord voices (the chords voiced again with fewer), off-beat
  16ths, soft ghost notes; never the kick on the beat, the backbeat, the bass's downbeat or the
  riser.
"""

from collections.abc import Callable, Iterable

from beatengine.midi_io import Note
from beatengine.roles.drums import vocab as DV
from beatengine.roles.drums.kicks import KICK_NOTES

PARTS = ("drums", "bass", "chords", "melody")

# house and techno are DJ tools: intros and outros are drums first (kick and hats) to mix into,
# and the breakdown drops the kick (Butler, Unlocking the Groove, 2006; DeSantis, Making Music)
DRUMS_FIRST = frozenset({"house", "techno"})
TOMS_AND_CRASH = ["low_tom", "mid_tom", "high_tom", "crash"]
def _notes_of(piece: int) -> frozenset[int]:
    """The General MIDI notes a kit piece is played with (the Groove MIDI Dataset's kit map)."""
    return frozenset(note for note, p in DV.TD11_TO_PIECE.items() if p == piece)


KICKS = frozenset(KICK_NOTES)
SNARES = _notes_of(DV.SNARE)                # snare, rim, clap
CRASHES = _notes_of(DV.CRASH)
RISER_PITCH = DV.GM_NOTE[DV.SNARE]          # the acoustic snare: the classic snare-roll build
CRASH = DV.GM_NOTE[DV.CRASH]
LEADS_INTO_DROP = 0.85              # a following section at least this energetic is a "drop"
_EPS = 1e-6


def parts_for(energy: float, wanted: tuple[str, ...], genre: str = "", name: str = "") -> list[str]:
    """Instrumentation follows energy: chords always; drums from 0.3 (hats only below 0.45);
    bass from 0.4; the lead from 0.55. House and techno intros and outros always have drums."""
    drums_first = genre in DRUMS_FIRST and name in ("intro", "outro")
    on = {"chords": True, "drums": energy >= 0.3 or drums_first, "bass": energy >= 0.4,
          "melody": energy >= 0.55}
    return [p for p in PARTS if p in wanted and on[p]]


def drums_left_out(genre: str, name: str, energy: float) -> list[str]:
    """The drum pieces a section leaves out: quiet sections play hats only, except that a house
    or techno intro or outro keeps its kick and a breakdown never has one."""
    if genre in DRUMS_FIRST and name in ("intro", "outro"):
        return ["snare", *TOMS_AND_CRASH]
    if genre in DRUMS_FIRST and name == "breakdown":
        return ["kick", *TOMS_AND_CRASH]
    return [] if energy >= 0.45 else ["kick", "snare", *TOMS_AND_CRASH]


def even_touch(written: list[dict[str, list[Note]]]) -> None:
    """Bring every section's drums to one touch before energy sets their loudness (in place): a
    take borrows a real drummer's touch, so one section's kick and snare may be played harder than
    a busier section's; each section's mean of kick and snare on the beat is moved to the
    song's (by at most a factor of two), so the loudness a listener hears follows the energy."""
    def skeleton(notes: list[Note]) -> list[int]:          # kick and snare on the beat
        return [n.velocity for n in notes if n.pitch in KICKS | SNARES
                and abs(n.start - round(n.start)) < 0.1]
    everything = [v for w in written for v in skeleton(w.get("drums", []))]
    if not everything:
        return
    song = sum(everything) / len(everything)
    for w in written:
        own = skeleton(w.get("drums", []))
        if own:
            k = min(2.0, max(0.5, song * len(own) / sum(own)))
            w["drums"] = [Note(n.pitch, n.start, n.duration, min(127, max(1, round(n.velocity * k))))
                          for n in w["drums"]]


def gain(energy: float) -> float:
    """Velocity scale: a 0.3 intro plays at about 70% of a full-energy drop."""
    return 0.6 + 0.4 * energy


def chord_voices(energy: float) -> int:
    """Fewer layers when quiet: three voices below 0.45, four to 0.7, five above."""
    return 3 if energy < 0.45 else 4 if energy < 0.7 else 5


def riser_bars(name: str, bars: int, next_energy: float | None) -> int:
    """How many bars at the end of a section a riser fills (0: none): a build always rises, a
    breakdown or break rises when a drop or chorus follows it."""
    rises = name == "build" or (name in ("breakdown", "break") and next_energy is not None
                                and next_energy >= LEADS_INTO_DROP)
    return min(2, max(1, bars // 2)) if rises else 0


def riser(bars: int, riser_len: int, bar_beats: int) -> list[Note]:
    """A snare roll over the last `riser_len` bars of a `bars`-bar section (section beats): 8ths,
    then 16ths in its last bar, the velocity climbing from 50 to 115."""
    start = (bars - riser_len) * bar_beats
    onsets: list[float] = []
    for bar in range(riser_len):
        step = 0.25 if bar == riser_len - 1 else 0.5
        t0 = start + bar * bar_beats
        onsets += [t0 + k * step for k in range(round(bar_beats / step))]
    span = max(1, len(onsets) - 1)
    return [Note(RISER_PITCH, t, 0.2, round(50 + 65 * i / span)) for i, t in enumerate(onsets)]


def _on(t: float, unit: float) -> bool:
    return abs(t / unit - round(t / unit)) < _EPS


def fills_into(energy: float, following: float | None) -> bool:
    """A fill announces a section as busy or busier; into a quieter one (a drop into its
    breakdown) the groove just stops, so nothing builds into nothing."""
    return following is not None and following >= energy - 0.5


def crashes_placed(notes: list[Note], bar_beats: int, enters: bool, velocity: int = 100
                   ) -> list[Note]:
    """Crashes only where a phrase starts (a 4-bar boundary), and one on the section's first
    downbeat when it `enters` (a busy section after another): the transition is on the boundary."""
    phrase = 4 * bar_beats
    kept = [n for n in notes if n.pitch not in CRASHES
            or abs(n.start / phrase - round(n.start / phrase)) * phrase < 0.125]
    if enters and not any(n.pitch in CRASHES and abs(n.start) < 0.125 for n in kept):
        kept.append(Note(CRASH, 0.0, 1.0, velocity))
    return kept


def metric_weight(t: float, bar_beats: int) -> int:
    """4 on a bar line, 3 on a beat, 2 on an 8th, 1 on a 16th, taken at the nearest 16th (drums
    sound a little early or late of their step); 0 for a note more than a 32nd off the grid."""
    step = round(t * 4) / 4
    if abs(t - step) > 0.125 - _EPS:
        return 0
    if _on(step, bar_beats):
        return 4
    return next(weight for weight, unit in ((3, 1.0), (2, 0.5), (1, 0.25)) if _on(step, unit))


def _ranks(notes: list[Note]) -> list[int]:
    """Each note's place from the bottom among the notes struck with it (0: the lowest)."""
    by_start: dict[float, list[int]] = {}
    for n in notes:
        by_start.setdefault(round(n.start, 4), []).append(n.pitch)
    return [sorted(by_start[round(n.start, 4)]).index(n.pitch) for n in notes]


def _spread(notes: list[Note], bar_beats: int) -> list[float]:
    """A tie-break that spreads thinning over the bars and within them: the k-th note of one
    metric weight in its bar scores the number of times 2 divides k (the first scores highest), so
    every other such note goes first, in every bar alike, before any bar loses more."""
    seen: dict[tuple[int, int], int] = {}
    out = []
    for n in notes:
        slot = (int(n.start // bar_beats), metric_weight(n.start, bar_beats))
        k = seen[slot] = seen.get(slot, -1) + 1
        out.append(float("inf") if k == 0 else (k & -k).bit_length())
    return out


def _drum_key(notes: list[Note], bar_beats: int, quiet_from: float) -> list[tuple]:
    # the kick and the snare on the beat are the groove's skeleton: they stay; under a riser
    # the rest of the kit goes first
    return [(n.pitch in (KICKS | SNARES) and metric_weight(n.start, bar_beats) >= 3,
             n.start < quiet_from, metric_weight(n.start, bar_beats), spread, n.velocity)
            for n, spread in zip(notes, _spread(notes, bar_beats), strict=True)]


def _bass_key(notes: list[Note], bar_beats: int, quiet_from: float) -> list[tuple]:
    return [(metric_weight(n.start, bar_beats) == 4, metric_weight(n.start, bar_beats), spread,
             n.duration, n.velocity)
            for n, spread in zip(notes, _spread(notes, bar_beats), strict=True)]


def _chord_key(notes: list[Note], bar_beats: int, quiet_from: float) -> list[tuple]:
    # (the voices were already cut to the fewest the chord allows) off-beat strikes go first
    return [(metric_weight(n.start, bar_beats), spread, rank < 2, n.velocity)
            for n, rank, spread in zip(notes, _ranks(notes), _spread(notes, bar_beats), strict=True)]


def _melody_key(notes: list[Note], bar_beats: int, quiet_from: float) -> list[tuple]:
    return [(metric_weight(n.start, bar_beats), spread, n.duration, n.velocity)
            for n, spread in zip(notes, _spread(notes, bar_beats), strict=True)]


KEEP_FIRST: dict[str, Callable[[list[Note], int, float], list[tuple]]] = {
    "drums": _drum_key, "bass": _bass_key, "chords": _chord_key, "melody": _melody_key}


def thin(part: str, notes: list[Note], keep: int, bar_beats: int,
         quiet_from: float = float("inf")) -> list[Note]:
    """`notes` less the ones a producer would mute first, down to `keep` (time order kept);
    drum notes from `quiet_from` (a riser's start) go before the others."""
    if len(notes) <= keep:
        return notes
    keys = KEEP_FIRST[part](notes, bar_beats, quiet_from)
    order = sorted(range(len(notes)), key=lambda i: keys[i], reverse=True)
    chosen = sorted(order[:max(0, keep)])
    return [notes[i] for i in chosen]


Lighter = Callable[[], Iterable[list[Note]]]


def order_by_energy(energies: list[float], bars: list[int], written: list[dict[str, list[Note]]],
                    fixed: list[dict[str, list[Note]]], bar_beats: int,
                    lighter: list[dict[str, Lighter]]) -> None:
    """Thin `written` (per section, per part; section beats) in place so that no section has more
    notes per bar in a part than a section of higher energy. `fixed` notes (risers) count but are
    never removed; `lighter` writes a part again with less (chords with fewer voices, lightest
    last; only made where needed), taken before any note is dropped. Sections are visited from the
    most energetic down, so every cap is final."""
    order = sorted(range(len(energies)), key=lambda i: -energies[i])
    for part in PARTS:
        for k, i in enumerate(order):
            louder = [j for j in order[:k] if energies[j] > energies[i] + _EPS]
            if not louder or part not in written[i]:
                continue
            cap = min(_count(written[j], fixed[j], part) / bars[j] for j in louder)
            keep = int(cap * bars[i] + _EPS) - len(fixed[i].get(part, []))
            if len(written[i][part]) <= keep:
                continue
            lightest = written[i][part]
            for version in lighter[i][part]() if part in lighter[i] else ():
                lightest = version
                if len(version) <= keep:
                    break
            quiet_from = min((n.start for n in fixed[i].get(part, [])), default=float("inf"))
            written[i][part] = thin(part, lightest, keep, bar_beats, quiet_from)


def _count(written: dict[str, list[Note]], fixed: dict[str, list[Note]], part: str) -> int:
    return len(written.get(part, [])) + len(fixed.get(part, []))
