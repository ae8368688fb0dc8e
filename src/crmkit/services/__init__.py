"""Use cases: one method per user action, run inside a unit of work, ports injected."""
