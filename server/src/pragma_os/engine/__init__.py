"""The lifecycle engine: state transitions (and, as it grows, dispatch, retries, dead letters)."""
