"""Signed, witnessed, hash-linked log of lease, consent and encumbrance records (RFC 6962 Merkle log)."""
