"""Gateway to the cadastre and state systems; registration cases, registrar work and notices."""
