"""Demo and benchmark data: a realistic small ledger, and a fast deterministic bulk generator."""
