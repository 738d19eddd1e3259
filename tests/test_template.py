"""``Template``: a term as a function of some of its variables, the reduction's instantiation step.
It must give exactly what ``substitute`` gives (terms are hash-consed: the very same node)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies_terms import SIG, VAL, terms

from logic.errors import SortError
from logic.sorts import BOOL, INT, PROC
from logic.terms import BINDERS, Comprehension, Eq, Template, Var, free_vars, substitute, subterms

P, V, K = SIG.constant("p"), SIG.constant("v"), SIG.constant("k")
# a key named like the strategies' bound variables: binders of the drawn terms rebind it
I_PROC = Var("i", PROC)


def _bound(t):
    return {b for s in subterms(t) if s.op in BINDERS for b in s.bound_vars}


@settings(max_examples=300, deadline=None)
@given(t=terms(BOOL, 4), p=terms(PROC, 2), v=terms(VAL, 2), k=terms(INT, 2), i=terms(PROC, 1),
       with_shadowed_key=st.booleans())
def test_a_template_gives_what_substitute_gives(t, p, v, k, i, with_shadowed_key):
    keys = [P, V, K] + ([I_PROC] if with_shadowed_key else [])
    values = [p, v, k] + ([i] if with_shadowed_key else [])
    expected = substitute(t, dict(zip(keys, values)))
    got = Template(t, keys)(values)
    incoming = set().union(*(free_vars(x) for x in values))
    if incoming & _bound(t):
        # substitute renames the binder with a fresh name each time: equal up to that name
        assert free_vars(got) == free_vars(expected)
        assert len(list(subterms(got))) == len(list(subterms(expected)))
    else:
        assert got is expected


def test_a_template_renames_a_binder_that_would_capture_a_value():
    j = Var("j", PROC)
    t = Eq(Comprehension(j, Eq(P, j)), Comprehension(j, Eq(P, P)))
    out = Template(t, [P])([j])
    # the free j of the value stays free: the comprehension's own j was renamed
    assert j in free_vars(out)
    assert out is not substitute(t, {P: Var("q", PROC)})


def test_a_template_checks_sorts():
    with pytest.raises(SortError, match="cannot substitute"):
        Template(Eq(P, P), [P])([K])


def test_a_template_of_a_term_without_its_keys_is_the_term():
    t = Eq(V, V)
    assert Template(t, [P])([Var("z", PROC)]) is t
