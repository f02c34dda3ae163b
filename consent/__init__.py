"""Personal-data consent service: signed consent artefacts, their lifecycle, enforcement and usage log."""
