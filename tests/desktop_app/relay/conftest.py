"""Fixtures of the relay's tests; the helpers live in tests/relay_helpers.py."""

from __future__ import annotations

import pytest
from relay_helpers import make_relay_profile


@pytest.fixture
def relay_profile(tmp_path):
    return make_relay_profile(tmp_path)
