"""The evaluation: the harness, the promotion gate, the measures and the report."""
