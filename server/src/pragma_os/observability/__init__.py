"""What the server tells operators about itself: its Prometheus metrics (``metrics.py``)."""
