"""Media plane of the videoconf service: forwarding, the room hub, recording."""
