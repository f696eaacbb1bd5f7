"""One module per command group. Each module exposes ``register(cli)``.

Modules keep heavy imports (openai, numpy, yaml, sqlite-utils) inside the
command functions so that ``llm --help`` stays fast.
"""

COMMAND_MODULES = (
    "prompt",
    "chat",
    "keys",
    "logs",
    "models",
    "aliases",
    "plugins",
    "install",
    "templates",
    "embeddings",
    "tools",
    "schemas",
    "fragments",
    "settings",
)
