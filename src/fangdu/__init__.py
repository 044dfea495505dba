"""Fangdu (纺都): textile pattern copyright registry, AI duplicate check and evidence ledger."""

__version__ = "0.1.0"
