// Deployment module — see docs/architecture.md.
