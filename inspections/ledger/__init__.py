"""The ledger (整改台账) in Excel: export for superiors, import of inspectorate lists."""
