"""deeplimits: replication pipeline for infinite-depth-and-width limits of random networks."""

__version__ = "0.1.0"
