"""``llm openai ...`` commands (imported only when the CLI is built)."""

from __future__ import annotations

import datetime
import json
from typing import Any, Optional

import click

import llm


__all__ = ["add_commands"]


def add_commands(cli: Any) -> None:
    @cli.group(name="openai")
    def openai_() -> None:
        "Commands for working directly with the OpenAI API"

    @openai_.command(name="models")
    @click.option("json_", "--json", is_flag=True, help="Output as JSON")
    @click.option("--key", help="OpenAI API key")
    def models(json_: bool, key: Optional[str]) -> None:
        "List models available to you from the OpenAI API"
        from llm.utils import dicts_to_table_string

        api_key = llm.get_key(key, "openai", "OPENAI_API_KEY")
        if not api_key:
            raise click.ClickException(
                "No key found - add one using 'llm keys set openai' "
                "or set the OPENAI_API_KEY environment variable")
        data = _list_models(api_key)
        if json_:
            click.echo(json.dumps(data, indent=4))
            return
        rows = []
        for item in data:
            created = item.get("created")
            if isinstance(created, (int, float)):
                created = datetime.datetime.fromtimestamp(
                    created, datetime.timezone.utc).replace(tzinfo=None).isoformat()
            rows.append({"id": item.get("id"), "owned_by": item.get("owned_by"),
                         "created": created})
        click.echo("\n".join(dicts_to_table_string(["id", "owned_by", "created"], rows)))


def _list_models(key: str) -> list[dict]:
    """``GET /models``: with our client, or the SDK's when the environment's proxy
    needs it."""
    from . import api
    from . import client as _client
    from .errors import unexpected_response

    client = api.open_client(key=key)
    if client is not None:
        return unexpected_response(client.get("models"), "data")["data"]
    sdk = _client.make_client(key=key)
    try:
        with _client.translate_errors(getattr(sdk, "base_url", None), key):
            return [_plain(model) for model in sdk.models.list().data]
    finally:
        sdk.close()


def _plain(model: Any) -> dict:
    """The fields the API sent (not the client's defaults for missing ones)."""
    if hasattr(model, "model_dump"):
        return model.model_dump(exclude_unset=True)
    return dict(model)
