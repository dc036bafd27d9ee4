"""Candidates who apply themselves to an open call (a site's AMI or a programme edition's call)."""
