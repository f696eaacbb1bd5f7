"""Reusable prompt templates for llm: the ``Template`` model, YAML files and loaders.

``import llmio_templates`` is cheap: PyYAML and urllib are imported only when a
template is read, written or fetched.
"""

from ._store import (
    get_template_loaders,
    list_templates,
    load_template,
    save_template,
    template_path,
    validate_name,
)
from ._template import AttachmentType, MissingVariables, Template, TemplateError
from ._trust import (
    UntrustedTemplateError,
    check_trust,
    tools_needing_approval,
    untrusted_tools_notice,
)
from ._yaml import parse_template, template_to_yaml

__all__ = [
    "AttachmentType",
    "MissingVariables",
    "Template",
    "TemplateError",
    "UntrustedTemplateError",
    "check_trust",
    "tools_needing_approval",
    "untrusted_tools_notice",
    "get_template_loaders",
    "list_templates",
    "load_template",
    "parse_template",
    "save_template",
    "template_path",
    "template_to_yaml",
    "validate_name",
]
