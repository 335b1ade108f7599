"""rufbereit: an on-premises AI phone assistant for Asterisk."""

__version__ = "0.1.0"
