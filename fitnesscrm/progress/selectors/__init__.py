"""Progress selectors: one module per area."""
