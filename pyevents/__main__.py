"""`python -m pyevents` is the `pyevents` command."""

from pyevents.cli import main

if __name__ == "__main__":
    main()
