"""``python -m energybill`` is the ``energybill`` command."""

from energybill.cli.main import main

main()
