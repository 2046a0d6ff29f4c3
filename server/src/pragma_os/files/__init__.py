"""File storage: a backend interface, the local-directory backend, signed URLs."""
