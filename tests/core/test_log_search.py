"""``llm.logs`` as a Python user drives it: open a store, log, search with every
filter ``llm logs`` has, stored fragments and schemas, toolbox instances, status.
No CLI involved."""

from __future__ import annotations

import json
import sqlite3

import llm
import llm.logs
import pytest
from llm.errors import FragmentError, FragmentNotFound
from llm.logs import ConversationNotFound, LogFilters
from llm.schemas import SchemaError, SchemaNotFound, multi_schema, schema_dsl, schema_id

DOG = schema_dsl("name, age int")


class Notes(llm.Model):
    """Calls every tool it is given once (with the prompt as ``text``), answers a
    schema with a fixed dog, else echoes the prompt."""

    model_id = "notes"
    supports_tools = True
    supports_schema = True

    def execute(self, prompt, stream, response, conversation):
        if prompt.tools and not prompt.tool_results:
            for tool in prompt.tools:
                response.add_tool_call(
                    llm.ToolCall(name=tool.name, arguments={"text": prompt.prompt}, tool_call_id=f"c-{tool.name}")
                )
            return
        if prompt.schema:
            yield json.dumps({"items": [{"name": "A", "age": 1}]} if "items" in prompt.schema["properties"]
                             else {"name": "Cleo", "age": 3})
            return
        yield f"re: {prompt.prompt}"


class Memory(llm.Toolbox):
    def __init__(self, prefix: str = ""):
        self.prefix = prefix

    def remember(self, text: str) -> str:
        "Remember some text."
        return self.prefix + text


def shout(text: str) -> str:
    "Shout."
    return text.upper()


@pytest.fixture
def notes(register_plugin):
    model = Notes()

    class Plugin:
        @llm.hookimpl
        def register_models(self, register):
            register(model, aliases=("nb",))

        @llm.hookimpl
        def register_fragment_loaders(self, register):
            register("up", lambda argument: argument.upper())

    register_plugin(Plugin(), "notes-plugin")
    return model


@pytest.fixture
def store(notes, user_path):
    with llm.logs.open() as store:
        yield store


def log(store, response):
    response.text()
    store.log(response)
    return response


def test_open_creates_or_reads_only(user_path, tmp_path):
    path = user_path / "logs.db"
    with llm.logs.open(create=False) as store:
        assert (store.exists, store.path) == (False, path)
        assert store.search() == [] and store.count() == 0
        assert store.fragments() == [] and store.schemas() == []
        assert store.fragment("x") is None and store.remove_fragment_alias("x") is False
        status = store.status()
        assert (status.exists, status.conversations, status.responses, status.size) == (False, 0, 0, 0)
        with pytest.raises(sqlite3.OperationalError):
            store.store_fragment(llm.Fragment("never written"))
    assert not path.exists()  # reading created nothing

    with llm.logs.open() as store:
        assert store.exists and store.path == path
    assert path.exists()
    assert store.conn is not None
    with pytest.raises(sqlite3.ProgrammingError):  # the with block closed it
        store.conn.execute("select 1")

    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("create table birds (name text)")
    conn.commit()
    conn.close()
    with pytest.raises(llm.logs.LogsDatabaseError, match="is not an llm logs database"):
        llm.logs.open(other, create=False)


def test_a_store_over_a_connection_leaves_it_open(tmp_path):
    conn = sqlite3.connect(tmp_path / "mine.db")
    with llm.logs.LogStore(conn) as store:
        assert store.path == tmp_path / "mine.db"
    assert conn.execute("select count(*) from responses").fetchone() == (0,)


def test_search_by_model_query_conversation_and_limit(store, notes):
    first = log(store, notes.prompt("pelicans, pelicans, pelicans"))
    conversation = notes.conversation()
    second = log(store, conversation.prompt("otters in the river"))
    third = log(store, conversation.prompt("pelicans and otters together"))

    assert [r["id"] for r in store.search()] == [first.id, second.id, third.id]
    assert [r["id"] for r in store.search(limit=2)] == [second.id, third.id]
    assert [r["id"] for r in store.search(LogFilters(model="nb"))] == [first.id, second.id, third.id]
    assert store.search(model="other") == []
    # Best match last; with latest, newest last.
    assert [r["id"] for r in store.search(query="pelicans")] == [third.id, first.id]
    assert [r["id"] for r in store.search(query="pelicans", latest=True)] == [first.id, third.id]
    assert store.search(query='"unbalanced (quote') == []
    assert [r["id"] for r in store.search(conversation_id=conversation.id)] == [second.id, third.id]
    assert [r["id"] for r in store.search(current=True, limit=1)] == [third.id]
    assert store.count(query="otters") == 2
    assert store.latest_conversation_id() == conversation.id

    row = store.search(limit=1)[0]
    assert {k: row[k] for k in ("model", "prompt", "response", "conversation_id", "conversation_model")} == {
        "model": "notes",
        "prompt": "pelicans and otters together",
        "response": "re: pelicans and otters together",
        "conversation_id": conversation.id,
        "conversation_model": "notes",
    }
    assert row["attachments"] == []
    with pytest.raises(TypeError):
        store.search(LogFilters(), model="nb")


def test_current_conversation_when_there_is_none(user_path):
    with llm.logs.open(create=False) as store, pytest.raises(ConversationNotFound) as info:
        store.search(current=True)
    assert str(info.value) == "No conversations found"


def test_tools_fragments_and_schemas(store, notes, tmp_path):
    memory = Memory("m:")
    chain = notes.chain("note this", tools=[memory, shout])
    responses = list(chain.responses())
    for response in responses:
        store.log(response)
    store.log_toolbox_instances(responses, [memory, shout])
    doc = tmp_path / "doc.txt"
    doc.write_text("The document.")
    with_fragments = log(store, notes.prompt("with", fragments=[llm.Fragment("The document.", str(doc))],
                                              system_fragments=[llm.Fragment("Be brief.", "style")]))
    dog = log(store, notes.prompt("a dog", schema=DOG))
    dogs = log(store, notes.prompt("dogs", schema=multi_schema(DOG)))
    plain = log(store, notes.prompt("plain"))

    ids = lambda **filters: [r["id"] for r in store.search(**filters)]
    tool_chain = [r.id for r in responses]
    assert ids(tools=["Memory_remember"]) == tool_chain
    assert ids(tools=["shout"]) == tool_chain
    assert ids(tools=["shout", "nothing"]) == []
    assert ids(any_tools=True) == tool_chain
    # A fragment by file, by hash, as a system fragment, by alias, by loader.
    assert ids(fragments=[str(doc)]) == [with_fragments.id]
    assert ids(fragments=[llm.Fragment("Be brief.").id()]) == [with_fragments.id]
    store.set_fragment_alias("style", llm.Fragment("Be brief.", "style"))
    assert ids(fragments=["style"]) == [with_fragments.id]
    assert ids(fragments=["up:be brief."]) == []
    with pytest.raises(FragmentNotFound, match="Fragment 'nowhere' not found"):
        store.search(fragments=["nowhere"])
    # A schema in any of its spellings.
    assert ids(schema="name, age int") == [dog.id]
    assert ids(schema=DOG) == [dog.id]
    assert ids(schema=json.dumps(DOG)) == [dog.id]
    assert ids(schema_multi="name, age int") == [dogs.id]
    assert ids(schema=schema_id(multi_schema(DOG))) == [dogs.id]
    assert ids(schema="title") == []
    assert plain.id in ids()

    rows = {r["id"]: r for r in store.search(expand=True)}
    first, second = (rows[r.id] for r in responses)
    assert first["tools"] == [{"name": "Memory_remember", "plugin": None}, {"name": "shout", "plugin": None}]
    assert first["tool_calls"] == [
        {"name": "Memory_remember", "arguments": {"text": "note this"}, "tool_call_id": "c-Memory_remember"},
        {"name": "shout", "arguments": {"text": "note this"}, "tool_call_id": "c-shout"},
    ]
    assert second["tool_results"] == [
        {"name": "Memory_remember", "output": "m:note this", "tool_call_id": "c-Memory_remember",
         "instance": {"name": "Memory", "arguments": {"prefix": "m:"}}},
        {"name": "shout", "output": "NOTE THIS", "tool_call_id": "c-shout"},
    ]
    assert rows[with_fragments.id]["fragments"] == [
        {"hash": llm.Fragment("The document.").id(), "source": str(doc), "content": "The document."}
    ]
    assert rows[with_fragments.id]["system_fragments"][0]["source"] == "style"
    assert (rows[dog.id]["schema_id"], rows[dog.id]["schema"]) == (schema_id(DOG), DOG)
    assert "schema" not in rows[plain.id] and "tools" not in rows[plain.id]

    # --data: what the schema prompts returned.
    found = store.search(schema="name, age int")
    assert llm.logs.data_items(found) == [{"name": "Cleo", "age": 3}]
    assert llm.logs.data_items(store.search(), key="items", ids=True) == [
        {"name": "A", "age": 1, "response_id": dogs.id, "conversation_id": dogs.conversation.id}
    ]


def test_rebuild_a_toolbox_to_continue_a_conversation(store, notes):
    memory = Memory("m:")
    chain = notes.chain("remember", tools=[memory])
    responses = list(chain.responses())
    for response in responses:
        store.log(response)
    store.log_toolbox_instances(responses, [memory])
    conversation_id = responses[0].conversation.id

    assert store.toolbox_configs(conversation_id) == {"Memory": {"prefix": "m:"}}
    assert store.toolbox_config(conversation_id, "Memory") == {"prefix": "m:"}
    assert store.toolbox_config(conversation_id, "Other") == {}
    assert store.toolbox_configs("no-such-conversation") == {}

    conversation = store.conversation(conversation_id)
    rebuilt = Memory(**store.toolbox_config(conversation_id, "Memory"))
    follow_up = conversation.chain("again", tools=[rebuilt])
    follow_up.text()
    assert [r.prompt.tool_results[0].output for r in follow_up._responses[1:]] == ["m:again"]


def test_stored_fragments(store, tmp_path):
    doc = tmp_path / "notes.md"
    doc.write_text("line one")
    stored = store.set_fragment_alias("notes", str(doc))
    assert (str(stored), stored.source) == ("line one", str(doc))
    store.set_fragment_alias("again", "notes")  # an alias of an alias: the same fragment
    store.set_fragment_alias("loud", "up:hi")
    assert store.fragment("notes") == "line one"
    assert store.fragment(llm.Fragment("HI").id()).source == "up:hi"
    listed = store.fragments()
    assert [(f["content"], f["aliases"]) for f in listed] == [("line one", ["again", "notes"]), ("HI", ["loud"])]
    assert [f["content"] for f in store.fragments(["HI"])] == ["HI"]
    assert store.remove_fragment_alias("loud") is True
    assert store.remove_fragment_alias("loud") is False
    assert [f["content"] for f in store.fragments(aliases_only=True)] == ["line one"]
    with pytest.raises(FragmentError, match="Invalid alias 'has:colon'"):
        store.set_fragment_alias("has:colon", "up:x")
    with pytest.raises(FragmentNotFound):
        store.set_fragment_alias("x", str(tmp_path / "missing.txt"))


def test_resolving_fragment_references(store, tmp_path, monkeypatch):
    import io

    from llm.fragments import resolve_fragment, resolve_fragments

    doc = tmp_path / "doc.txt"
    doc.write_text("Document.")
    store.set_fragment_alias("d", llm.Fragment("Stored.", "somewhere"))
    monkeypatch.setattr("sys.stdin", io.StringIO("piped"))
    fragments, attachments = resolve_fragments([str(doc), "up:x", "-", "d"], store=store)
    assert [(str(f), f.source) for f in fragments] == [
        ("Document.", str(doc)), ("X", "up:x"), ("piped", "-"), ("Stored.", "somewhere")
    ]
    assert attachments == []
    # Without a store: the user's logs.db (here, the one the fixture opened).
    assert resolve_fragment("d") == ["Stored."]
    with pytest.raises(FragmentNotFound, match="no fragment loader for 'nope:'"):
        resolve_fragment("nope:x", store=store)
    with pytest.raises(FragmentError, match="is a directory"):
        resolve_fragment(str(tmp_path))
    (tmp_path / "bin").write_bytes(b"\xff\xfe")
    with pytest.raises(FragmentError, match="is not a UTF-8 text file"):
        resolve_fragment(str(tmp_path / "bin"))


def test_stored_schemas_and_schema_references(store, notes, user_path, tmp_path):
    from llm.schemas import schema_from_reference

    log(store, notes.prompt("one", schema=DOG))
    log(store, notes.prompt("two", schema=DOG))
    assert store.schema(schema_id(DOG)) == DOG
    assert store.schema("0" * 32) is None
    listed = store.schemas()
    assert [(s["id"], s["schema"], s["times_used"]) for s in listed] == [(schema_id(DOG), DOG, 2)]
    assert store.schemas(["nothing"]) == []

    assert schema_from_reference(schema_id(DOG), store=store) == DOG
    assert schema_from_reference(schema_id(DOG)) == DOG  # the user's logs.db
    with pytest.raises(SchemaNotFound, match=f"Schema {'0' * 32} not found"):
        schema_from_reference("0" * 32, store=tmp_path / "none.db")
    (tmp_path / "dog.json").write_text(json.dumps(DOG))
    assert schema_from_reference(str(tmp_path / "dog.json"), multi=True) == multi_schema(DOG)
    (user_path / "templates").mkdir()
    (user_path / "templates" / "dog.yaml").write_text("prompt: hi\nschema_object:\n  type: object\n"
                                                      "  properties:\n    name:\n      type: string\n")
    assert schema_from_reference("t:dog") == {"type": "object", "properties": {"name": {"type": "string"}}}
    with pytest.raises(SchemaError, match="Invalid JSON schema in reference: Expecting"):
        schema_from_reference('{"type": ')
    assert schema_from_reference(None) is None


def test_status(store, notes):
    log(store, notes.prompt("one"))
    status = store.status()
    assert (status.exists, status.conversations, status.responses) == (True, 1, 1)
    assert status.size == store.path.stat().st_size > 0
