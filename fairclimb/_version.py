"""The version, in a module of its own so that any part can read it without importing the
package's top level (which offers the public verbs, and so imports the parts)."""

__version__ = "0.1.0"
