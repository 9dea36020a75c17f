// CycleTiming module — see docs/architecture.md.
