"""Reports built from stored rows: the post-crisis report of an alert, the brand overview."""
