"""YAML text <-> Template. PyYAML is imported here, inside the functions, so that
``import llmio_templates`` (and ``llm --help``) stays fast."""

from __future__ import annotations

from typing import Any

from ._template import Template, TemplateError

__all__ = ["parse_template", "template_to_yaml"]


def parse_template(text: str, name: str | None = None) -> Template:
    """Build a Template from YAML text.

    A mapping holds template keys; a plain string is the prompt; an empty file is
    an empty template. Anything else, invalid YAML or unknown keys raise TemplateError.
    """
    import yaml

    label = f" '{name}'" if name else ""
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise TemplateError(f"Invalid YAML in template{label}{where}: {problem}") from None
    if loaded is None:
        loaded = {}
    if isinstance(loaded, str):
        loaded = {"prompt": loaded}
    if not isinstance(loaded, dict):
        raise TemplateError(
            f"Invalid template{label}: expected a YAML mapping or a string, "
            f"got {type(loaded).__name__}"
        )
    if "name" in loaded and name is not None:
        loaded = {key: value for key, value in loaded.items() if key != "name"}
    return Template.from_dict(loaded, name=name)


def template_to_yaml(template: Template) -> str:
    """YAML for a template file: set keys only, multi-line strings as ``|`` blocks."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper: Any, value: str) -> Any:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    return yaml.dump(
        template.to_dict(),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        indent=4,
    )
