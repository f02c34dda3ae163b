"""Logging set-up shared by the services and the `rto` command line (no framework imports, so
an auditor's `rto verify` does not load the web stack to configure it)."""

from __future__ import annotations

import logging

__all__ = ["quiet_expected_warnings"]


def quiet_expected_warnings() -> None:
    """pyHanko logs every signature that fails validation with a traceback; for us that is an
    expected outcome already carried in the signer's report, not an operational warning."""
    logging.getLogger("pyhanko").setLevel(logging.ERROR)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.ERROR)
