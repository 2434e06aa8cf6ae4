"""Energy backends behind one interface (``base.Backend``): NVML, RAPL and the labelled model."""
