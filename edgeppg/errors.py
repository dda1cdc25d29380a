"""The exception types the CLI turns into one line: an error (exit 2), or what Ctrl-C kept (exit 130)."""


class EdgeppgError(Exception):
    """A user-facing error: bad input, a missing file, an invalid combination of options.

    The message must name the file or option at fault and say what is wrong with it.
    """


class Interrupted(Exception):
    """Ctrl-C, after the command said what it kept (the message; empty when it was printed already). Not a
    KeyboardInterrupt, which typer turns into a silent exit 130: the CLI prints this and exits 130."""
