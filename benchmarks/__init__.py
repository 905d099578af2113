"""Side-by-side speed measurements of nnstudio against its peers (not part of the test suite)."""
