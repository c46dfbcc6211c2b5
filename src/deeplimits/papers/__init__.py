"""papers subpackage."""
