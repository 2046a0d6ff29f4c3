"""One module per command group: auth, config, resources, providers, ops, completions."""
