"""Use cases of the registry_gateway service, one transaction each."""

from __future__ import annotations
