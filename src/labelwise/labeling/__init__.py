"""Label Studio labeling configs as typed schemas, and validation of results against them.

Pure Python (stdlib and lxml): nothing here knows about HTTP or the database, so it can be used from a
notebook as well as from the services that store annotations.
"""

from labelwise.labeling.errors import ConfigError, InvalidResult
from labelwise.labeling.parser import parse_config
from labelwise.labeling.requirements import missing_data_keys
from labelwise.labeling.results import validate_result
from labelwise.labeling.schema import ControlTag, LayoutNode, ObjectTag, Option, Schema
from labelwise.labeling.templates import TEMPLATES, Template, get_template

__all__ = [
    "TEMPLATES",
    "ConfigError",
    "ControlTag",
    "InvalidResult",
    "LayoutNode",
    "ObjectTag",
    "Option",
    "Schema",
    "Template",
    "get_template",
    "missing_data_keys",
    "parse_config",
    "validate_result",
]
