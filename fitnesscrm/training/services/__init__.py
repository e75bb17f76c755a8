"""Training services: one module per area."""
