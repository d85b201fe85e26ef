"""News feeds (RSS 2.0 and Atom)."""
