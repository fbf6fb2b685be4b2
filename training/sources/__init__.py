"""Where training material comes from, one module per source: the Groove MIDI Dataset (`gmd`),
Billboard, POP909 and free-midi-chords (together in `harmony`), MIDI a user drops in a folder
(`user_midi`) and material users opted in to through the service (`event_log`); with the shapes they
yield: `drum_midi.DrumExample` and `song.Song`. What a role makes of it is in `training.roles`."""
