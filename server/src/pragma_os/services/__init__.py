"""Services: the use cases the API calls. Each owns its transaction."""
