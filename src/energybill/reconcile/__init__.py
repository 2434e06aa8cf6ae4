"""Reconciliation: measured runs from the ledger put beside (or in place of) the estimate."""
