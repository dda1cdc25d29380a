"""`edgeppg` and `python -m edgeppg`: the command line. Loading it (torch, the stages) takes seconds; Ctrl-C
then is said in one line too, not as a traceback from inside an import."""

import sys


def run() -> None:
    try:
        from edgeppg.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: edgeppg stopped while it was starting; nothing was done\n")
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
