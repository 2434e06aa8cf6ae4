"""Renderers: each only formats a Bill (``terminal``: rich tables, ``markdown``, ``jsonfmt``);
``rows`` builds the rows they share once, and ``numbers`` formats numbers the same way everywhere."""
