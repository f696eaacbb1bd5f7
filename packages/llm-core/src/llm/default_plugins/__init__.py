"""The default plugins, at the paths plugins and ``llm plugins --all`` know them by.

``openai_models`` is a compatibility path to the llmio-openai distribution;
``default_tools`` (the ``llm_version`` and ``llm_time`` tools) lives here.
"""
