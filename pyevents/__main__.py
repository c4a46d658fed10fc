"""`python -m pyevents` is the `pyevents` command; `main` is also its console script's entry point.

The CLI is imported inside `main`, not here: under the console script, every worker process of a run
runs that script again as `__mp_main__` (multiprocessing's forkserver does), and the script imports this
module; none of the workers needs the memory of the CLI's click, rich, pydantic and crawler.
"""


def main() -> None:
    from pyevents.cli import main as cli

    cli()


if __name__ == "__main__":
    main()
