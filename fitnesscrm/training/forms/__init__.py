"""Training forms: one module per area."""
