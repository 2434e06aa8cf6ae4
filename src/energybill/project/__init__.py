"""The project file: its typed model (``model``) and its loader with one-line errors (``load``)."""
