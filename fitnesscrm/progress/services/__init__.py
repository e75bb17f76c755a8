"""Progress services: one module per area."""
