// CortexM module — see docs/architecture.md.
