"""What-if: scenario columns, uncertainty, sweeps, compute-optimal planning and recommendations,
all computed through the estimate engine (never a second formula)."""
