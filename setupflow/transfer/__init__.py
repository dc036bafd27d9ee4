"""Export a whole site to one file and import it into another database."""
