"""Output of the processes the server runs for tenants (builds, workers): captured, redacted and
kept in bounded log files, never in the server's own log."""

from pragma_os.output.capture import CapturedOutput, OutputPipe
from pragma_os.output.log_file import BoundedLog
from pragma_os.output.reading import log_exists, stream_log

__all__ = ["BoundedLog", "CapturedOutput", "OutputPipe", "log_exists", "stream_log"]
