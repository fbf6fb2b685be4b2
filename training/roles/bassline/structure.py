"""The bassline's idiom checks at the service defaults: house off the beat, jazz walking, the
reggae one drop, and genres a classifier tells apart (`training.roles.lines.structure`)."""

from beatengine.roles.lines.generator import LineGenerator
from training.evaluation.checks import check
from training.roles.lines import structure as LS

MIN_HOUSE_OFFBEAT = 0.6
MIN_WALKING_BARS, MIN_WALKING_STEPS = 0.9, 0.6
MIN_ONE_DROP = 0.8
MIN_GENRE_AUC = 0.9


def evaluate_structure(gen: LineGenerator, seeds: int = 20) -> dict:
    table, vectors = LS.by_genre(gen, "bassline", seeds)
    apart = LS.genre_distinctness(vectors)
    checks = [check("house notes on off-beat 8ths", table["house"]["offbeat_8ths"], MIN_HOUSE_OFFBEAT),
              check("jazz bars of four quarter notes", table["jazz"]["walking_bars"], MIN_WALKING_BARS),
              check("jazz moves of 2 semitones or less", table["jazz"]["moves_within_2"],
                    MIN_WALKING_STEPS),
              check("reggae bars with beat 1 empty", table["reggae"]["beat_1_empty"], MIN_ONE_DROP),
              check("genres told apart (mean pairwise AUC)", apart["mean"], MIN_GENRE_AUC)]
    return {"by_genre": table, "distinctness": apart, "checks": checks}
