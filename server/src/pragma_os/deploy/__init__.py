"""Deployments: running provider workers (local processes now; a Kubernetes deployer later)."""
