"""The ``energybill`` command (click). Each command imports what it needs when it runs."""
