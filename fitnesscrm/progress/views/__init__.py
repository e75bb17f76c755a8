"""Progress views: one module per area."""
