"""People who use setupflow: accounts, roles, site assignments and who may see or do what.

This package never imports Flask: the web app, the CLI and the demo all call it.
"""
