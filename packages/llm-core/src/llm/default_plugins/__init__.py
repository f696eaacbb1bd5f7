"""Compatibility package: plugins import ``llm.default_plugins.openai_models``.

The default plugins themselves are separate distributions (DESIGN §3a).
"""
