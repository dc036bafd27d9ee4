"""The workflow loader under hypothesis: only ever validation errors, never a crash
or a half-loaded definition."""
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from setupflow.definitions import DefinitionError, load_text
from tests.conftest import WORKFLOWS

#: fuzzing: hundreds of generated definitions
pytestmark = pytest.mark.slow

BASE = yaml.safe_load((WORKFLOWS / "cress-disp.yaml").read_text(encoding="utf-8"))
TRIED = {"documents": 0}

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=30))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                      max_leaves=12)


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, prefix + (i,))


ALL_PATHS = [p for p in paths(BASE) if p]


def mutate(doc, path, value):
    import copy

    doc = copy.deepcopy(doc)
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return doc


#: the generated documents are written with libyaml's emitter when PyYAML has it (seven times
#: faster than the pure-Python one, the same YAML): the time goes to the loader under test
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump(doc) -> str:
    return yaml.dump(doc, Dumper=DUMPER, allow_unicode=True)


def check(text):
    TRIED["documents"] += 1
    try:
        loaded = load_text(text, "fuzz.yaml")
    except DefinitionError as exc:
        assert exc.problems, "an error without problems"
        for problem in exc.problems:
            assert str(problem).startswith("fuzz.yaml"), str(problem)
            assert "\n" not in str(problem).strip()
        return
    # a definition that loads is complete and usable
    wf = loaded.workflow
    assert wf.stages and wf.final.id not in [s.id for s in wf.stages]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ALL_PATHS), values)
def test_a_mutated_definition_loads_or_gives_clear_errors(path, value):
    check(dump(mutate(BASE, path, value)))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes_the_loader(text):
    check(text)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(ALL_PATHS))
def test_removing_any_key_loads_or_gives_clear_errors(path):
    import copy

    doc = copy.deepcopy(BASE)
    node = doc
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    check(dump(doc))


def test_report_how_many_documents_were_tried():
    print(f"\nworkflow loader fuzzing: {TRIED['documents']} documents tried")
