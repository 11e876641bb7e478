"""Schemathesis fuzzes every operation in the served OpenAPI document: no 5xx may come back."""

from __future__ import annotations

import pytest
from vts_server_helpers import run_schemathesis

pytestmark = pytest.mark.slow


def test_no_server_errors(descriptors_server, tmp_path):
    # /boom fails and /slow sleeps on purpose
    out = run_schemathesis(descriptors_server.url, tmp_path, "--exclude-path", "/boom", "--exclude-path", "/slow")
    assert "No issues found" in out, out[-3000:]
    assert "Tested: 15" in out, out[-3000:]  # every operation but the two excluded
