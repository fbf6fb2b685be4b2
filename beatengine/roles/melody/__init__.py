"""melody role."""
