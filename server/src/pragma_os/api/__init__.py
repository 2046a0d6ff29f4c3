"""The HTTP API: routers that parse, authorize, call a service and shape the response."""
