"""Use cases of the portal service, one transaction each, grouped by the part of the journey:
`intake` (akimat lists), `auth` (EDS login, roles), `applications` (consent, form, uploads,
guarantors, solvency, submission), `review` (checks, decisions, refusals), `leases` (schedule,
document, signatures, verification), `registration` (stages 2–3, callbacks), `buyout`
(ledger, release letter)."""
