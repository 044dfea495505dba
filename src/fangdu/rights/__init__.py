"""The rights register (金融服务): ownership, licences, transfers and pledges of registered works.

A bounded context of its own. It reads the registry's works and parties through one adapter
(``registry_port``), keeps its own tables (``models``), and writes every record and every state
change as a signed evidence-log entry in the same transaction as its rows, so the register a
bank reads can be rebuilt from the public log alone (``rebuild``). The registry never imports it.
"""

from fangdu.rights.services import RightsService

__all__ = ["RightsService"]
