"""vidbench's core, laid out as its stages (docs/layout.md draws the floors)."""
