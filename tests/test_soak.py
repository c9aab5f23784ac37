"""The soak of `make soak`, for under a minute on the shared system: it runs, loses nothing and reports every process."""

import asyncio

import pytest

from tests.soak import markdown, soak

pytestmark = pytest.mark.slow


def test_a_short_soak_has_no_errors_loses_nothing_and_measures_every_process(stack):
    result = asyncio.run(soak(stack, minutes=0.2, every=6, progress=lambda *args, **kwargs: None))
    tally = result["tally"]
    assert tally.errors == [] and result["lost"] == []
    assert tally.conversations >= 4 and len(tally.cases) >= 2  # the warm-up and at least two more, half of them handoffs
    assert len(result["before"]) == 3 and result["before"].keys() == result["after"].keys()  # run, Rasa, actions
    assert all(figures["rss_mib"] > 10 and figures["fds"] > 3 for figures in result["after"].values())
    assert "| process | RSS start |" in markdown(result)
