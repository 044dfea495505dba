"""Disputes from sighting to settlement (维权 · 调解 · 司法): monitoring, cases, notices,
mediation, court packages.

A bounded context of its own. It reads the registry's works and parties through one adapter
(``registry_port``), asks the rights register whether a licence is on record, keeps its own
tables (``models``), and writes every sighting, lead and case transition as a signed
evidence-log entry in the same transaction as its rows. The registry never imports it.
"""

from fangdu.disputes.services import DisputeService

__all__ = ["DisputeService"]
