"""Workflow definitions: YAML in workflows/, validated into frozen objects."""
from .catalog import Catalog, load_catalog
from .loader import DefinitionError, LoadedWorkflow, Problem, load_document, load_file, load_text
from .schema import Workflow

__all__ = ["Catalog", "DefinitionError", "LoadedWorkflow", "Problem", "Workflow",
           "load_catalog", "load_document", "load_file", "load_text"]
