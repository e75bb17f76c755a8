"""Progress forms: one module per area."""
