"""The egg scrapyd-deploy builds: the settings module only; the spider comes from the installed pyevents."""

from setuptools import setup

setup(
    name="pyevents-scrapyd",
    version="1.0",
    packages=["pyevents_scrapyd"],
    entry_points={"scrapy": ["settings = pyevents_scrapyd.settings"]},
)
