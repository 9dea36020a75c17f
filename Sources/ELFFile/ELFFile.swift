// ELFFile module — see docs/architecture.md.
