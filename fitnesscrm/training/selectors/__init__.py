"""Training selectors: one module per area."""
