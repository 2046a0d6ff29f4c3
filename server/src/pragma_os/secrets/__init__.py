"""The server's key, sealed secret values and their redaction."""
