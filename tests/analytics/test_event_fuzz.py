"""
Property tests of event batches (hypothesis), against the real endpoint and database.

Generated JSON of every shape (recursive objects and arrays, integers of any size,
floats, NaN/Infinity literals, overflowing numbers, any unicode including NUL and
lone surrogates, repeated keys, nesting past every limit) is written as raw JSON
text, so the service sees exactly what a client could send. The properties:

* for any batch, the answer is 200 and accepted + failed is the number of events;
* an event is refused exactly when the oracle below says its content cannot be
  stored as sent, with the message of its first problem;
* every accepted event is stored once and its properties read back equal to
  what was sent;
* any mangled body answers 200 or 400, never 500;
* the recursion-free reader and the C parser agree on every document.

ANALYTICS_FUZZ_EXAMPLES sets the examples per property (default 60 for CI), e.g.
ANALYTICS_FUZZ_EXAMPLES=3000 for a long run (docs/reliability.md).
"""
from dataclasses import dataclass
import json
import math
import os
import uuid

from hypothesis import HealthCheck, event as hypothesis_event, given, settings as hypothesis_settings, strategies as st
import orjson
import pytest

from analytics.jsonbody import _HOOKS, TOO_DEEP, HugeInt, NonFinite, RepeatedKeys, _read_iteratively
from analytics.models import Event
from analytics.validation import MAX_PROPERTIES_DEPTH, Unstorable
from tests.analytics.helpers import EVENTS_URL, fixed_noon

pytestmark = [
    pytest.mark.django_db,
    # Strategies holding 1,500-level trees have long reprs; hypothesis says so, nothing is wrong.
    pytest.mark.filterwarnings("ignore:Generating overly large repr"),
]

EXAMPLES = int(os.environ.get("ANALYTICS_FUZZ_EXAMPLES", "60"))
FUZZ = hypothesis_settings(
    max_examples=EXAMPLES, deadline=None, derandomize=False,
    # The api and settings fixtures are stateless across examples; every example uses its own installs.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- a JSON syntax tree that can say things Python values cannot -----------------------------

@dataclass(frozen=True)
class Num:
    """A number as JSON text: big integers, 1e400, -0.0e5 ... exactly as written."""

    text: str


@dataclass(frozen=True)
class Obj:
    """An object as its member list: keys may repeat."""

    members: tuple


@dataclass(frozen=True)
class Arr:
    items: tuple


CONSTANTS = ("NaN", "Infinity", "-Infinity")

# Any code point, surrogates and NUL included; and strings made mostly of the troublesome ones.
TROUBLE = ["\x00", "\ud800", "\udbff", "\udc00", "\udfff", "\x1f", '"', "\\", "省", "😀", "\u2028", "a"]
text = st.one_of(
    st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()), max_size=12),
    st.lists(st.sampled_from(TROUBLE), max_size=6).map("".join),
)
clean_text = st.text(st.characters(min_codepoint=1, max_codepoint=0x10FFFF, exclude_categories=("Cs",)), max_size=12)
keys = st.one_of(st.sampled_from(["a", "b", "province", "city", ""]), text, st.text(min_size=200, max_size=600))
clean_keys = st.one_of(st.sampled_from(["a", "b", "province", "city", "", "\u2028"]), clean_text)
clean_numbers = st.one_of(
    st.integers(min_value=-(2 ** 63), max_value=2 ** 64 - 1).map(lambda n: Num(str(n))),
    st.sampled_from([2 ** 63 - 1, 2 ** 64 - 1, -(2 ** 63), 0]).map(lambda n: Num(str(n))),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: Num(json.dumps(f))),
    st.sampled_from(["1e-400", "-0.0", "2.5e-3", "1.7976931348623157e308", "5e-324", "1E2", "-0"]).map(Num),
)
bad_numbers = st.one_of(
    st.sampled_from([2 ** 64, -(2 ** 63) - 1, 10 ** 30, -(10 ** 25)]).map(lambda n: Num(str(n))),
    st.integers(min_value=21, max_value=6000).map(lambda digits: Num("9" * digits)),
    st.sampled_from(["1e400", "-1e400", "1E309", "-2.5e+999"]).map(Num),
    st.sampled_from(CONSTANTS),
)
numbers = st.one_of(clean_numbers, bad_numbers)
scalars = st.one_of(st.none(), st.booleans(), numbers, text)
clean_scalars = st.one_of(st.none(), st.booleans(), clean_numbers, clean_text)


def containers(children, member_keys=keys, repeat=True):
    shapes = [
        st.lists(children, max_size=4).map(lambda items: Arr(tuple(items))),
        st.lists(st.tuples(member_keys, children), max_size=4, unique_by=lambda kv: kv[0])
        .map(lambda members: Obj(tuple(members))),
    ]
    if repeat:  # the same key twice, on purpose
        shapes.append(st.tuples(member_keys, children, children).map(lambda t: Obj(((t[0], t[1]), (t[0], t[2])))))
    return st.one_of(*shapes)


values = st.recursive(scalars, containers, max_leaves=12)
clean_values = st.recursive(clean_scalars, lambda c: containers(c, clean_keys, repeat=False), max_leaves=10)


@st.composite
def deep(draw):
    """A value nested around the depth limit, or far past Python's recursion limit."""
    depth = draw(st.one_of(st.integers(MAX_PROPERTIES_DEPTH - 3, MAX_PROPERTIES_DEPTH + 2),
                           st.sampled_from([300, 1500])))
    node = draw(clean_scalars)
    for level in range(depth):
        node = Arr((node,)) if draw(st.booleans()) or level > 60 else Obj((("k", node),))
    return node


@st.composite
def one_flaw(draw):
    """Clean properties with one flaw of some kind at some place (so that every kind gets its turn)."""
    members = draw(st.lists(st.tuples(clean_keys, clean_values), max_size=4, unique_by=lambda kv: kv[0]))
    flaw = draw(st.one_of(
        bad_numbers, st.lists(st.sampled_from(TROUBLE), min_size=1, max_size=4).map("".join), deep(),
        st.tuples(clean_keys, clean_scalars, clean_scalars).map(lambda t: Obj(((t[0], t[1]), (t[0], t[2])))),
    ))
    wrap = draw(st.integers(0, 2))  # the flaw may sit inside an array or object of its own
    for _ in range(wrap):
        flaw = Arr((flaw,)) if draw(st.booleans()) else Obj((("w", flaw),))
    position = draw(st.integers(0, len(members)))
    name = draw(st.one_of(st.just("flaw"), st.lists(st.sampled_from(TROUBLE), min_size=1, max_size=3).map("".join)))
    members = [(key, value) for key, value in members if key != name]
    members.insert(min(position, len(members)), (name, flaw))
    return Obj(tuple(members))


properties_trees = st.one_of(
    st.lists(st.tuples(clean_keys, clean_values), max_size=5, unique_by=lambda kv: kv[0]).map(lambda m: Obj(tuple(m))),
    one_flaw(), one_flaw(), one_flaw(),  # most events carry one flaw: each kind gets its turn in a short run
    st.lists(st.tuples(keys, st.one_of(values, deep())), max_size=5).map(lambda m: Obj(tuple(m))),
    st.tuples(clean_keys, st.text(min_size=3000, max_size=5000)).map(lambda kv: Obj(((kv[0], kv[1]),))),  # near 8 KB
)


def write(node, spaced: bool = False) -> str:
    """The JSON text of a node (NUL and surrogates as \\u escapes, as a client's JSON library writes them)."""
    gap = " " if spaced else ""
    stack, out = [node], []
    while stack:  # iterative: trees go deeper than Python's recursion limit
        item = stack.pop()
        if isinstance(item, _Raw):
            out.append(item.text)
        elif isinstance(item, Obj):
            parts: list = [_Raw("{")]
            for n, (key, value) in enumerate(item.members):
                parts += [_Raw(("," + gap if n else "") + json.dumps(key) + ":" + gap), value]
            stack.extend(reversed(parts + [_Raw("}")]))
        elif isinstance(item, Arr):
            parts = [_Raw("[")]
            for n, value in enumerate(item.items):
                parts += ([_Raw("," + gap)] if n else []) + [value]
            stack.extend(reversed(parts + [_Raw("]")]))
        elif isinstance(item, Num):
            out.append(item.text)
        elif item in CONSTANTS and isinstance(item, str) and not isinstance(item, _Text):
            out.append(item)
        else:
            out.append(json.dumps(str(item) if isinstance(item, _Text) else item))
    return "".join(out)


@dataclass(frozen=True)
class _Raw:
    text: str


class _Text(str):
    """A string value (keeps strings that look like "NaN" apart from the NaN literal)."""


def as_text_values(node):
    """Mark every string value as _Text, iteratively (the literal constants stay plain str)."""
    if isinstance(node, str) and node not in CONSTANTS:
        return _Text(node)
    if isinstance(node, (Obj, Arr)):
        # Deep trees are chains: rebuild bottom-up without recursion.
        chain = []
        while isinstance(node, (Obj, Arr)) and len(node.members if isinstance(node, Obj) else node.items) == 1:
            chain.append(node)
            node = node.members[0][1] if isinstance(node, Obj) else node.items[0]
        node = _as_text_shallow(node)
        for parent in reversed(chain):
            node = Obj(((parent.members[0][0], node),)) if isinstance(parent, Obj) else Arr((node,))
        return node
    return node


def _as_text_shallow(node):
    if isinstance(node, Obj):
        return Obj(tuple((k, as_text_values(v)) for k, v in node.members))
    if isinstance(node, Arr):
        return Arr(tuple(as_text_values(v) for v in node.items))
    return as_text_values(node)


# --- the oracle: what the contract says should happen to properties --------------------------

def problem_in_order(node, depth=1):
    """
    The message the first unstorable thing in `node` (a container at `depth`) must get, or
    None: in document order, a container judged on entry (depth, then repeated keys), each
    member name just before its value. Iterative: trees go deeper than the recursion limit.
    """
    stack = [(node, depth)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, tuple) and item and item[0] == "__key__":
            message = _text_problem(item[1])
            if message:
                return message
            continue
        if isinstance(item, (Obj, Arr)):
            if level > MAX_PROPERTIES_DEPTH:
                return Unstorable.DEPTH
            if isinstance(item, Obj):
                names = [key for key, _value in item.members]
                if len(set(names)) != len(names):
                    return Unstorable.REPEATED_KEY
                children = []
                for key, value in item.members:
                    children += [(("__key__", key), level), (value, level + 1)]
            else:
                children = [(value, level + 1) for value in item.items]
            stack.extend(reversed(children))
        elif isinstance(item, _Text):
            message = _text_problem(item)
            if message:
                return message
        elif isinstance(item, str):  # a literal constant
            return Unstorable.NON_FINITE
        elif isinstance(item, Num):
            if any(mark in item.text for mark in ".eE"):
                if not math.isfinite(float(item.text)):
                    return Unstorable.NON_FINITE
            elif len(item.text) > 20 or not -(2 ** 63) <= int(item.text) <= 2 ** 64 - 1:
                return Unstorable.INTEGER
    return None


def _text_problem(value: str) -> str | None:
    # As the JSON text says it: a high and a low surrogate side by side are written as two
    # escapes that any reader joins into one character, so only the lone ones remain.
    for char in json.loads(json.dumps(value)):
        if char == "\x00":
            return Unstorable.NUL
        if 0xD800 <= ord(char) <= 0xDFFF:
            return Unstorable.SURROGATE
    return None


def same_json(sent, stored) -> bool:
    """Equal as JSON values: numbers by value (a float must read back as the same double)."""
    if isinstance(sent, bool) or sent is None or isinstance(sent, str):
        return type(sent) is type(stored) and sent == stored
    if isinstance(sent, float):
        return isinstance(stored, (int, float)) and not isinstance(stored, bool) and float(stored) == sent
    if isinstance(sent, int):
        return type(stored) is int and stored == sent
    if isinstance(sent, list):
        return isinstance(stored, list) and len(sent) == len(stored) and all(map(same_json, sent, stored))
    return (isinstance(stored, dict) and sent.keys() == stored.keys()
            and all(same_json(value, stored[key]) for key, value in sent.items()))


# --- the endpoint properties -------------------------------------------------------------------

@st.composite
def batches(draw):
    """(raw body, [(install, properties tree or None, kind)]): events of every kind, in one batch."""
    tag = uuid.uuid4().hex[:10]
    noon = fixed_noon()
    events, texts = [], []
    for index in range(draw(st.integers(1, 8))):
        install = f"fz{tag}-{index}"
        base = json.dumps({"eventName": "fuzz_event", "installId": install, "clientTs": noon - index})[:-1]
        kind = draw(st.sampled_from(["properties", "properties", "properties", "repeated_field", "garbage"]))
        spaced = draw(st.booleans())
        if kind == "garbage":  # anything at all where an event should be
            tree = as_text_values(draw(st.one_of(values, deep())))
            texts.append(write(tree, spaced))
            events.append((install, tree, kind))
            continue
        tree = as_text_values(draw(properties_trees))
        extra = ', "eventName": "again"' if kind == "repeated_field" else ""
        texts.append(base + extra + ', "properties": ' + write(tree, spaced) + "}")
        events.append((install, tree, kind))
    return '{"events": [' + ", ".join(texts) + "]}", events


@pytest.fixture
def unlimited(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "analytics_events": "1000000/m"}


@FUZZ
@given(batch=batches())
def test_any_batch_answers_200_and_every_accepted_event_reads_back_as_sent(api, unlimited, batch):
    body, events = batch
    response = api.post(EVENTS_URL, body.encode(), content_type="application/json")
    assert response.status_code == 200, response.content[:300]
    answer = response.json()
    assert answer["accepted"] + answer["failed"] == len(events)
    assert answer["duplicates"] == 0  # no eventId: nothing is deduplicated
    refused = {error["index"]: error["message"] for error in answer["errors"]}
    assert len(refused) == answer["failed"] == len(answer["errors"])
    assert [error["index"] for error in answer["errors"]] == sorted(refused)

    stored = dict(Event.objects.filter(install_id__startswith=events[0][0].rsplit("-", 1)[0] + "-")
                  .values_list("install_id", "properties"))
    for index, (install, tree, kind) in enumerate(events):
        if kind == "garbage":
            assert index in refused and install not in stored
            continue
        if kind == "repeated_field":
            assert refused.get(index) == Unstorable.REPEATED_FIELD and install not in stored
            continue
        expected_problem = problem_in_order(tree)
        if expected_problem is None:
            sent = json.loads(write(tree))  # what the client sent, read by the standard parser
            if len(orjson.dumps(sent)) > 8192:
                expected_problem = "properties must not exceed 8192 bytes as JSON"
        hypothesis_event(f"properties: {expected_problem or 'stored'}")  # the mix, for --hypothesis-show-statistics
        assert refused.get(index) == expected_problem, (index, write(tree)[:200])
        if expected_problem is None:
            assert same_json(sent, stored[install]), (sent, stored[install])
        else:
            assert install not in stored


@FUZZ
@given(batch=batches(), cuts=st.lists(st.tuples(st.integers(0, 10 ** 6), st.integers(0, 4), text), max_size=3))
def test_a_mangled_body_answers_200_or_400_never_500(api, unlimited, batch, cuts):
    body = batch[0]
    for at, remove, insert in cuts:
        at %= len(body) + 1
        body = body[:at] + insert + body[at + remove:]
    raw = body.encode("utf-8", "surrogatepass")  # lone surrogates become invalid UTF-8 bytes
    api.raise_request_exception = False
    response = api.post(EVENTS_URL, raw, content_type="application/json")
    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 200:
        answer = response.json()
        assert answer["accepted"] + answer["failed"] >= 1
    else:
        assert response.json()["error"] == "VALIDATION_ERROR"


# --- the two readers agree ---------------------------------------------------------------------

def truncated(value, keep: int, depth: int = 1):
    """`value` with every container deeper than `keep` replaced by TOO_DEEP (as the iterative reader keeps it)."""
    if isinstance(value, (dict, list)) and depth > keep:
        return TOO_DEEP
    if isinstance(value, RepeatedKeys):
        return RepeatedKeys({k: truncated(v, keep, depth + 1) for k, v in value.items()}, value.repeated)
    if isinstance(value, dict):
        return {k: truncated(v, keep, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [truncated(v, keep, depth + 1) for v in value]
    return value


def canonical(value):
    """A comparable form that tells the markers and dict kinds apart."""
    if isinstance(value, RepeatedKeys):
        return ("repeated", sorted(value.repeated), {k: canonical(v) for k, v in value.items()})
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, (HugeInt, NonFinite)):
        return (type(value).__name__, value.text)
    if isinstance(value, float):
        return ("float", value.hex())
    return (type(value).__name__, value)


def read(reader, document):
    try:
        return "ok", reader(document)
    except json.JSONDecodeError as error:
        return "error", error.pos


@FUZZ
@given(tree=values.map(as_text_values), spaced=st.booleans(), keep=st.integers(0, 6),
       cuts=st.lists(st.tuples(st.integers(0, 10 ** 4), st.integers(0, 3), st.sampled_from(list('[]{},:" 0e-')) | text),
                     max_size=2))
def test_the_recursion_free_reader_agrees_with_the_c_parser(tree, spaced, keep, cuts):
    document = write(tree, spaced)
    for at, remove, insert in cuts:
        at %= len(document) + 1
        document = document[:at] + insert + document[at + remove:]
    expected = read(lambda d: json.loads(d, **_HOOKS), document)
    got = read(lambda d: _read_iteratively(d, 10 ** 6), document)
    assert got[0] == expected[0], document
    if expected[0] == "ok":
        assert canonical(got[1]) == canonical(expected[1])
        assert canonical(_read_iteratively(document, keep)) == canonical(truncated(expected[1], keep))
