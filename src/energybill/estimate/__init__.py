"""Estimation: one pure function per item kind (``storage``, ``transfer``, ...), the engine that
bills a whole project (``engine``), and the site context every electricity item uses (``site``).

The formulas are plain arithmetic, so they work on floats and, for sampling, on numpy arrays.
"""
