"""The one exception type the CLI turns into a one-line error message."""


class EdgeppgError(Exception):
    """A user-facing error: bad input, a missing file, an invalid combination of options.

    The message must name the file or option at fault and say what is wrong with it.
    """
