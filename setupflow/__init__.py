"""setupflow: the engine that carries a prison ESS workshop project through the method.

This package never imports Flask: the web application (package ``web``), the CLI and
the reminder worker are thin shells over the functions defined here.
"""

__version__ = "0.1.0"
