"""Training views: one module per area."""
