// QuantModel module — see docs/architecture.md.
