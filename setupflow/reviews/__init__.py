"""Committee members reviewing the applications of their own call: conflicts of interest."""
