"""`python -m pyevents` is the `pyevents` command; `main` is also its console script's entry point.

The CLI is imported inside `main`, not here: every worker process of a run imports the main module again
(multiprocessing's forkserver does, as `__mp_main__`), and none of them needs the CLI's click, rich,
pydantic and crawler (~30 MB each).
"""


def main() -> None:
    from pyevents.cli import main as cli

    cli()


if __name__ == "__main__":
    main()
