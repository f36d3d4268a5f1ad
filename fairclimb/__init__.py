"""fairclimb: make a coding model better, and prove it honestly."""

__version__ = "0.1.0"

__all__ = ["__version__"]
