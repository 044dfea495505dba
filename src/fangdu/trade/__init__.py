"""Market procurement (市场采购, customs code 1039): declaration pre-check, consolidation and
documents for the trade companies that export what buyers pick at the market (docs/TRADE.md)."""
