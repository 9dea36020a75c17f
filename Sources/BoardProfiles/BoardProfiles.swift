// BoardProfiles module — see docs/architecture.md.
