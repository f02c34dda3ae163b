"""WebRTC rooms for the registrar's video check of the parties."""
