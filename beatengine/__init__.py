"""Core of the Beat Addicts engine: music theory, MIDI I/O, tokenization, models and sampling.

Shared by the web app (`app/`) and training (`training/`); it knows nothing of HTTP.
"""
