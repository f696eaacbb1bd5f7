"""The plugin hooks. Argument names matter: pluggy matches them by name."""

from pluggy import HookimplMarker, HookspecMarker

hookspec = HookspecMarker("llm")
hookimpl = HookimplMarker("llm")


@hookspec
def register_commands(cli):
    """Add click commands or groups to the ``llm`` command."""


@hookspec
def register_models(register):
    """Call ``register(model, async_model=None, aliases=())`` for each model."""


@hookspec
def register_embedding_models(register):
    """Call ``register(model, aliases=())`` for each embedding model."""


@hookspec
def register_template_loaders(register):
    """Call ``register(prefix, loader)``; ``loader(name)`` returns a Template."""


@hookspec
def register_fragment_loaders(register):
    """Call ``register(prefix, loader)``; ``loader(argument)`` returns fragments/attachments."""


@hookspec
def register_tools(register):
    """Call ``register(function_or_toolbox_class, name=None)`` for each tool."""


@hookspec
def register_embedding_storage(register):
    """Call ``register(scheme, factory)``: ``factory(url)`` returns a
    ``llmio_embeddings.CollectionStorage`` for ``scheme://...`` locations."""
