"""Fixtures for the console: signed-in browsers for the small office's coordinator and executive."""
from __future__ import annotations

import pytest

from tests.support import Console


@pytest.fixture
def coordinator_user(register) -> str:
    return register("C01")


@pytest.fixture
def executive_user(register) -> str:
    return register("E01")


@pytest.fixture
def console(app, line, coordinator_user) -> Console:
    """The coordinator C01, signed in."""
    return Console(app, line).sign_in(coordinator_user)


@pytest.fixture
def executive_console(app, line, executive_user) -> Console:
    """The executive E01, signed in (reads, does not change)."""
    return Console(app, line).sign_in(executive_user)


@pytest.fixture
def anonymous(app, line) -> Console:
    """A browser with no session."""
    return Console(app, line)
