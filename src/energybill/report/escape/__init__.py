"""One escaping module per medium, used by every renderer: ``terminal`` (Rich markup and control
characters), ``markdown`` (tables, inline text, fences, links, images), ``csv`` (formula injection,
quoting), ``yaml`` (the model card's metadata) and ``plot`` (matplotlib text). HTML is escaped by
Jinja's autoescape (report/html.py) and JSON by its encoder; both keep a name byte-exact."""
