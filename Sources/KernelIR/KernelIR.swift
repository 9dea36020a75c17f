// KernelIR module — see docs/architecture.md.
