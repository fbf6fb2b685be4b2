"""What each role does with its material, one folder per role (`drums`, `chords`, `bassline`,
`melody`; `lines` holds what bassline and melody share), and the one table training reads them from:
`SPECS`, keyed by the names of `beatengine.roles.ROLES`, in its order."""

from beatengine.roles import ROLES
from training.roles.bassline.spec import SPEC as BASSLINE
from training.roles.chords.spec import SPEC as CHORDS
from training.roles.drums.spec import SPEC as DRUMS
from training.roles.melody.spec import SPEC as MELODY
from training.spec import RoleSpec

_BY_NAME = {s.name: s for s in (DRUMS, CHORDS, BASSLINE, MELODY)}
SPECS: dict[str, RoleSpec] = {name: _BY_NAME[name] for name in ROLES}  # a role with no spec fails here
