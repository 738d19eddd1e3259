"""The text notation: parsing, sort inference, located errors, printing, LaTeX, problem files."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from strategies_terms import SIG, TS, VAL, any_term, terms

from logic.errors import LogicError, ParseError, SortError, SourceLocation, UnknownSymbolError
from logic.parser import Goal, Problem, parse, parse_problem
from logic.printer import to_latex, to_text
from logic.signature import Signature
from logic.sorts import BOOL, INT, PROC, SET_PROC, FunctionSymbol, value_sort
from logic.terms import (
    EMPTY,
    TRUE,
    Add,
    And,
    App,
    Card,
    Comprehension,
    Div,
    Eq,
    Exists,
    FloorDiv,
    Forall,
    Implies,
    IntConst,
    Member,
    Mul,
    N,
    Neg,
    Not,
    Op,
    Or,
    Sub,
    Term,
    Var,
    fresh_var,
)

# ---- a paper-like signature (One-Third Rule) -----------------------------------------------------

V = value_sort("Val")
X = FunctionSymbol("x", (PROC,), V)
HO = FunctionSymbol("HO", (PROC,), SET_PROC)
DECIDED = FunctionSymbol("decided", (PROC,), BOOL)
DECISION = FunctionSymbol("decision", (PROC,), V)
COORD = FunctionSymbol("coord", (INT,), PROC)
OTR = Signature.build(sorts=[V], constants={"v": V, "w": V, "p": PROC, "phase": INT},
                      functions=[HO, X, DECIDED, DECISION, COORD],
                      versions=["old", "init", "next"])

i, j = Var("i", PROC), Var("j", PROC)
vv = Var("v", V)
p = Var("p", PROC)


def rt(t: Term, sig: Signature) -> None:
    """``t`` survives printing (ASCII and Unicode) and parsing back."""
    for uni in (False, True):
        text = to_text(t, unicode=uni)
        assert parse(text, sig, expected=t.sort) is t, text


# ---- hand-written formulas -----------------------------------------------------------------------

PAPER_FORMULAS = [
    "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
    "∀i,j. decided(i) ∧ decided(j) ⇒ decision(i) = decision(j)",
    "forall i. decided(i) -> exists j. decision(i) = init(x)(j)",
    "(forall i. not decided(i)) or exists v. |{i | x(i) = v}| > 2*n/3 and "
    "forall i. decided(i) -> decision(i) = v",
    "(∀i. ¬decided(i)) ∨ ∃v. |{i. x(i) = v}| > 2n/3 ∧ ∀i. decided(i) → decision(i) = v",
    "forall i. exists j. x(i) = init(x)(j)",
    "forall i. old(decided)(i) -> decided(i) and decision(i) = old(decision)(i)",
    "forall i. x'(i) = old(x)(i)",
    "exists S: Set(Proc). forall p. HO(p) = S and |S| > 2n/3",
    "∃S: Set(Proc). ∀q. HO(q) = S ∧ |S| > 2n/3",
    "forall p, q. HO(p) inter HO(q) != {}",
    "∀p, q. HO(p) ∩ HO(q) ≠ ∅",
    "forall q. |HO(q)| > n/2",
    "forall q in HO(p). decided(q)",
    "exists q ∈ HO(p). ¬decided(q)",
    "forall q notin HO(p). not decided(q)",
    "|{i in HO(p) | x(i) = v}| > 2*n/3",
    "|{i ∈ HO(p) | x(i) = v}| ≥ n - |HO(p)| + 1",
    "|{i: Proc | x(i) = v}| + |{i | x(i) != v}| = n",
    "card({i | decided(i)}) <= n // 2",
    "coord(phase) in HO(p) <-> HO(coord(phase)) subset HO(p)",
    "HO(p) ⊆ HO(coord(phase)) ⇔ coord(phase) ∈ HO(p)",
    "HO(p) union HO(coord(phase)) \\ {i | decided(i)} = HO(p)",
    "HO(p) ∪ HO(p) ∖ ∅ = ∅ ∪ HO(p)",
    "if decided(p) then decision(p) = v else x(p) = v",
    "(if decided(p) then decision(p) else x(p)) = v",
    "-phase + 3 * phase - -2 < phase // 3 - (phase - 1)",
    "phase + (phase + 1) = (phase + phase) + 1",
    "not not decided(p)",
    "!decided(p) & decided(p) or true",
    "decided(p) => decided(p) ==> decided(p) -> decided(p)",
    "(decided(p) -> decided(p)) -> decided(p)",
    "decided(p) <=> ⊤ and ⊥",
    "(decided(p) and decided(p)) and decided(p)",
    "decided(p) and (decided(p) or decided(p)) and decided(p)",
    "exists v: Val, k: Int, b: Bool. x(p) = v and k > 0 and b",
    "forall i, j: Proc, v: Val. x(i) = v and x(j) = v -> true",
    "p notin {i | x(i) = v} ∨ p ∉ HO(p)",
    "# a comment line\nforall i.   # trailing comment\n  decided(i)\n",
    "2n - 1 >= 0 and n / 2 == n/2 and -3 < 0 and -(3) < 0",
]


@pytest.mark.parametrize("text", PAPER_FORMULAS)
def test_hand_written_formulas_round_trip(text: str) -> None:
    t = parse(text, OTR)
    assert t.sort is BOOL
    rt(t, OTR)


def test_ascii_and_unicode_spellings_agree() -> None:
    pairs = [
        ("forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
         "∀i, j. decided(i) ∧ decided(j) ⇒ decision(i) = decision(j)"),
        ("exists v. not (v = w) or v != w", "∃v. ¬(v = w) ∨ v ≠ w"),
        ("p in HO(p) and p notin {} and HO(p) subset HO(p)", "p ∈ HO(p) ∧ p ∉ ∅ ∧ HO(p) ⊆ HO(p)"),
        ("HO(p) union HO(p) inter HO(p) minus {} = {}", "HO(p) ∪ HO(p) ∩ HO(p) ∖ ∅ = ∅"),
        ("HO(p) \\ HO(p) = {}", "HO(p) ∖ HO(p) = ∅"),
        ("phase <= 1 -> phase >= 1 <-> true", "phase ≤ 1 → phase ≥ 1 ⇔ ⊤"),
        ("decided(p) <=> false", "decided(p) ↔ ⊥"),
        ("!decided(p) & decided(p)", "not decided(p) and decided(p)"),
        ("phase == 2", "phase = 2"),
        ("decided(p) ==> decided(p)", "decided(p) → decided(p)"),
    ]
    for ascii_text, unicode_text in pairs:
        assert parse(ascii_text, OTR) is parse(unicode_text, OTR), ascii_text


def test_structure_of_parsed_terms() -> None:
    two_thirds = Div(Mul(2, N), 3)
    assert parse("2n/3", OTR, expected=INT) is two_thirds
    assert parse("2*n/3", OTR, expected=INT) is two_thirds
    assert parse("2 * n / 3", OTR, expected=INT) is two_thirds
    assert parse("n // 2", OTR, expected=INT) is FloorDiv(N, 2)
    assert parse("-3", OTR, expected=INT) is IntConst(-3)
    assert parse("-(3)", OTR, expected=INT) is Neg(IntConst(3))
    assert parse("--3", OTR, expected=INT) is Neg(IntConst(-3))
    assert parse("-n", OTR, expected=INT) is Neg(N)
    assert parse("n + 1 + 2", OTR, expected=INT) is Add(N, 1, 2)
    assert parse("(n + 1) + 2", OTR, expected=INT) is Add(Add(N, 1), 2)
    assert parse("n - 1 - 2", OTR, expected=INT) is Sub(Sub(N, 1), 2)
    assert parse("n + 1 - 2 + 3", OTR, expected=INT) is Add(Sub(Add(N, 1), 2), 3)
    assert parse("-n * 2", OTR, expected=INT) is Mul(Neg(N), 2)
    d = App(DECIDED, p)
    assert parse("decided(p) and decided(p) and decided(p)", OTR) is And(d, d, d)
    assert parse("(decided(p) and decided(p)) and decided(p)", OTR) is And(And(d, d), d)
    assert parse("decided(p) -> decided(p) -> true", OTR) is Implies(d, Implies(d, TRUE))
    assert parse("not decided(p) and true", OTR) is And(Not(d), TRUE)
    assert parse("decided(p) or decided(p) and true", OTR) is Or(d, And(d, TRUE))
    assert parse("p != p", OTR) is Not(Eq(p, p))
    assert parse("p notin HO(p)", OTR) is Not(Member(p, App(HO, p)))
    assert parse("{}", OTR, expected=SET_PROC) is EMPTY
    assert parse("∅", OTR, expected=SET_PROC) is EMPTY
    assert parse("card(HO(p))", OTR, expected=INT) is Card(App(HO, p))
    x_old, x_next = X.versioned("old"), X.versioned("next")
    assert parse("old(x)(p) = x'(p)", OTR) is Eq(App(x_old, p), App(x_next, p))
    # binders: the body extends as far right as possible
    assert parse("forall i. decided(i) or true", OTR) is Forall(i, Or(App(DECIDED, i), TRUE))
    assert parse("true and forall i. decided(i) or true", OTR) is And(
        TRUE, Forall(i, Or(App(DECIDED, i), TRUE)))
    # comprehension and quantifier guards
    body = Eq(App(X, i), vv)
    assert parse("{i in HO(p) | x(i) = v}", OTR, expected=SET_PROC) is Comprehension(
        i, And(Member(i, App(HO, p)), body))
    assert parse("{i. x(i) = v}", OTR, expected=SET_PROC) is Comprehension(i, body)
    assert parse("forall i in HO(p). x(i) = v", OTR) is Forall(
        i, Implies(Member(i, App(HO, p)), body))
    assert parse("exists i notin HO(p). x(i) = v", OTR) is Exists(
        i, And(Not(Member(i, App(HO, p))), body))
    assert parse("forall i, j in HO(p). x(i) = v", OTR) is Forall(
        [i, j], Implies(And(Member(i, App(HO, p)), Member(j, App(HO, p))), body))


def test_terms_are_shared_while_alive_and_forgotten_after() -> None:
    """Hash-consing: building a term twice gives the same node; once no one holds it, it dies
    (the table holds it weakly), its entry leaves the table at the next sweep, and so do its
    children's (a long notebook session does not keep every term it ever built); a sweep comes
    when the table has doubled. A node made again after its death is shared again."""
    import gc
    import weakref

    from logic import terms
    from logic.terms import _TABLE, Add, IntConst

    t = Add(IntConst(918273), IntConst(645546))
    assert t is Add(IntConst(918273), IntConst(645546))
    key = (t.op, t.args, t.payload, t.sort)
    child = (t.args[0].op, (), t.args[0].payload, t.args[0].sort)
    assert key in _TABLE and child in _TABLE
    alive = weakref.ref(t)
    del t
    gc.collect()
    assert alive() is None
    again = Add(IntConst(918273), IntConst(645546))  # made anew, in place of the dead one
    assert key in _TABLE and again is Add(IntConst(918273), IntConst(645546))
    del again
    gc.collect()
    terms._sweep()  # the node's entry goes; its key held the children, which die now
    assert key not in _TABLE
    del key  # (this one holds them too)
    gc.collect()
    terms._sweep()
    assert child not in _TABLE
    # the table sweeps itself once it has doubled
    made = [IntConst(10**9 + k) for k in range(3)]
    del made
    gc.collect()
    before = len(_TABLE)
    for k in range(terms._sweep_at - before + 1):
        IntConst(10**10 + k)  # each dies at once
    assert len(_TABLE) < before + 10


def test_terms_of_any_sort_and_bound_names() -> None:
    assert parse("|HO(p)| + 1", OTR, expected=None) is Add(Card(App(HO, p)), 1)
    assert parse("x(p)", OTR, expected=V) is App(X, p)
    q = Var("q", PROC)
    assert parse("x(q) = v", OTR, bound={"q": q}) is Eq(App(X, q), vv)
    # a bound name shadows a constant; a quantifier shadows a bound name
    assert parse("p in HO(p)", OTR, bound={"p": q}) is Member(q, App(HO, q))
    assert parse("forall p. p = p", OTR, bound={"p": q}) is Forall(p, Eq(p, p))
    with pytest.raises(SortError, match="expected a formula"):
        parse("n + 1", OTR)
    with pytest.raises(SortError, match="expected a term of sort Int"):
        parse("decided(p)", OTR, expected=INT)


# ---- sort inference ------------------------------------------------------------------------------

def _binder_sorts(t: Term) -> dict[str, str]:
    out: dict[str, str] = {}
    stack = [t]
    while stack:
        s = stack.pop()
        for b in s.bound_vars:
            out[str(b.payload)] = str(b.sort)
        stack.extend(s.args)
    return out


@pytest.mark.parametrize(("text", "sorts"), [
    ("exists v. |{i | x(i) = v}| > 2*n/3", {"v": "Val", "i": "Proc"}),
    ("exists S. forall q. HO(q) = S", {"S": "Set(Proc)", "q": "Proc"}),
    ("exists S. |S| > 0", {"S": "Set(Proc)"}),
    ("exists S. p in S", {"S": "Set(Proc)"}),
    ("exists S. S subset HO(p) and S union S = S", {"S": "Set(Proc)"}),
    ("exists k. k + 1 > 0", {"k": "Int"}),
    ("forall k. coord(k) = p", {"k": "Int"}),
    ("exists a, b. a < b", {"a": "Int", "b": "Int"}),
    ("forall a, b. a = b", {"a": "Proc", "b": "Proc"}),
    ("exists a. true", {"a": "Proc"}),
    ("exists a, b. a = b and x(p) = b", {"a": "Val", "b": "Val"}),
    ("exists a, b, c. a = b and b = c and c = decided(p)", {"a": "Bool", "b": "Bool", "c": "Bool"}),
    ("exists a. a", {"a": "Bool"}),
    ("exists a. not a or decided(p)", {"a": "Bool"}),
    ("exists u. (if decided(p) then u else x(p)) = w", {"u": "Val"}),
    ("exists q. decided(q)", {"q": "Proc"}),
    ("forall i, j: Int. i < j", {"i": "Int", "j": "Int"}),
    ("forall i, j: Proc, v: Val. x(i) = v", {"i": "Proc", "j": "Proc", "v": "Val"}),
    ("forall v: Val, i. x(i) = v", {"v": "Val", "i": "Proc"}),
    ("forall u. exists v. u = v and v = phase", {"u": "Int", "v": "Int"}),
])
def test_inference(text: str, sorts: dict[str, str]) -> None:
    t = parse(text, OTR)
    assert _binder_sorts(t) == sorts


def test_inference_with_ordered_sort() -> None:
    t = parse("exists u. ts(p) < u and u <= t0", SIG)
    assert t.bound_vars[0].sort is TS
    t = parse("exists u. u < ts(p)", SIG)
    assert t.bound_vars[0].sort is TS


def test_inference_conflict_is_located() -> None:
    with pytest.raises(SortError) as e:
        parse("exists v. x(p) = v and\n  v + 1 > 2", OTR)
    assert e.value.location == SourceLocation(2, 3, "<string>")
    assert "expected a term of sort Int" in e.value.message
    assert "'v' of sort Val" in e.value.message
    assert "inferred from its use at 1:" in e.value.message


# ---- located errors ------------------------------------------------------------------------------

ERRORS: list[tuple[str, type[LogicError], int, int, tuple[str, ...]]] = [
    ("forall i. decided(i) and y(i)", UnknownSymbolError, 1, 26,
     ("unknown function 'y'", "known names: HO, x, decided, decision, coord")),
    ("forall i. decidd(i)", UnknownSymbolError, 1, 11, ("unknown function 'decidd'",
                                                        "did you mean 'decided'?")),
    ("x(p) = u", UnknownSymbolError, 1, 8, ("unknown name 'u'", "known names: v, w, p")),
    ("forall i. decided(i) -> x(i) = 3", SortError, 1, 32,
     ("'=' compares terms of one sort", "'x(i)' of sort Val", "'3' of sort Int")),
    ("(x(p) = v", ParseError, 1, 10,
     ("expected ')' to close '(' opened at 1:1", "found end of input")),
    ("forall i, j.\n  (decided(i) and\n   decided(j)", ParseError, 3, 14,
     ("expected ')' to close '(' opened at 2:3", "found end of input")),
    ("forall i decided(i)", ParseError, 1, 10,
     ("expected '.' after the bound variables of 'forall'", "found identifier 'decided'")),
    ("exists v: Val x(p) = v", ParseError, 1, 15, ("expected '.'",)),
    ("phase > n/phase", SortError, 1, 11, ("divisor of / must be an integer constant",)),
    ("phase > n // (1 - 1)", SortError, 1, 14, ("division by zero",)),
    ("x(p, p) = v", SortError, 1, 1, ("'x' takes 1 argument, given 2",)),
    ("x = v", SortError, 1, 1, ("'x' takes 1 argument, given 0",)),
    ("v(p) = v", SortError, 1, 1, ("'v' is a constant, not a function",)),
    ("|{i | decided(i)} > 2", ParseError, 1, 22,
     ("expected '|' to close '|' opened at 1:1", "found end of input")),
    ("{i | decided(i)}| > 2", ParseError, 1, 17, ("found '|'", "write 'or' for disjunction")),
    ("|HO(p)| > 1 | true", ParseError, 1, 13, ("found '|'",)),
    ("decided(p) )", ParseError, 1, 12, ("found ')'",)),
    ("forall i. x(i) < x(i)", SortError, 1, 16, ("ordered sort", "Val")),
    ("p = p = p", ParseError, 1, 7, ("comparisons do not chain",)),
    ("true <-> true <-> true", ParseError, 1, 15, ("not associative",)),
    ("forall n. true", ParseError, 1, 8, ("'n' is the number of processes",)),
    ("forall i, i. true", ParseError, 1, 11, ("bound twice",)),
    ("exists S: Set(Val). true", ParseError, 1, 15, ("expected 'Proc'",)),
    ("exists v: Value. true", UnknownSymbolError, 1, 11, ("unknown sort 'Value'",)),
    ("{x(i) | true} = {}", ParseError, 1, 3, ("expected '|' or '.'",)),
    ("{i: Int | true} = {}", SortError, 1, 5, ("binds a process",)),
    ("if decided(p) then 1 else x(p)", SortError, 1, 27, ("branches of if-then-else",)),
    ("if decided(p) then true", ParseError, 1, 24, ("expected 'else'",)),
    ("decided(p) and", ParseError, 1, 15, ("expected a term after 'and'", "end of input")),
    ("", ParseError, 1, 1, ("expected a formula", "end of input")),
    ("x(p) = v §", ParseError, 1, 10, ("unexpected character '§'",)),
    ("x(p) = v\x00", ParseError, 1, 9, ("unexpected character '\\x00'",)),
    ("phase > 2 n", ParseError, 1, 11, ("expected an operator", "identifier 'n'")),
    ("forall i in HO(i). true", UnknownSymbolError, 1, 16, ("unknown name 'i'",)),
    ("forall i. |{i in HO(i) | true}| > 0", ParseError, 1, 18,
     ("mentions 'i', which is bound here",)),
    ("exists k. k > 0 and x(k) = v", SortError, 1, 23,
     ("argument 1 of x", "expected a term of sort Proc", "'k' of sort Int")),
    ("1 + true > 0", SortError, 1, 5, ("operand of '+'", "'true' of sort Bool")),
    ("n(p) > 0", ParseError, 1, 2, ("'n' is the number of processes, not a function",)),
    ("old(x(p)) = v", ParseError, 1, 5, ("expected the name of a state variable in 'old(...)'",)),
    ("old(v) = v", SortError, 1, 5, ("'v' is a constant; only functions have state copies",)),
    ("phase > 9" + "9" * 1200, ParseError, 1, 9, ("integer literal too long",)),
    ("(" * 300 + "true" + ")" * 300, ParseError, 1, 101, ("nested too deeply",)),
    ("phase" + " - 1" * 300 + " > 0", ParseError, 1, 803, ("nested too deeply",)),
]


@pytest.mark.parametrize(("text", "cls", "line", "column", "parts"), ERRORS,
                         ids=[repr(e[0][:30]) for e in ERRORS])
def test_located_errors(text: str, cls: type[LogicError], line: int, column: int,
                        parts: tuple[str, ...]) -> None:
    with pytest.raises(cls) as e:
        parse(text, OTR, source="spec.py")
    err = e.value
    assert err.location == SourceLocation(line, column, "spec.py"), str(err)
    for part in parts:
        assert part in err.message, err.message
    assert str(err).startswith(f"spec.py:{line}:{column}: ")


def test_versions_must_be_allowed() -> None:
    sig = Signature.build(functions=[X], sorts=[V])
    with pytest.raises(UnknownSymbolError, match=r"old\(x\) is not available here"):
        parse("forall i. old(x)(i) = x(i)", sig)
    with pytest.raises(UnknownSymbolError, match=r"x' is not available here") as e:
        parse("forall i. x(i) = x'(i)", sig)
    assert e.value.location is not None and e.value.location.column == 18


# ---- printing ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "ascii_out", "unicode_out"), [
    ("forall i,j. decided(i) & decided(j) => decision(i) == decision(j)",
     "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
     "∀i, j. decided(i) ∧ decided(j) → decision(i) = decision(j)"),
    ("exists v. |{i | x(i) = v}| > 2n/3",
     "exists v: Val. |{i | x(i) = v}| > 2*n/3",
     "∃v: Val. |{i | x(i) = v}| > 2*n/3"),
    ("((forall i. decided(i))) or (true)", "(forall i. decided(i)) or true",
     "(∀i. decided(i)) ∨ true"),
    ("not (p = p)", "p != p", "p ≠ p"),
    ("not (p in HO(p))", "p notin HO(p)", "p ∉ HO(p)"),
    ("not (not (p = p))", "not p != p", "¬p ≠ p"),
    ("(true and true) and (true or true)", "(true and true) and (true or true)",
     "(true ∧ true) ∧ (true ∨ true)"),
    ("(true or true) or (true and true)", "(true or true) or true and true",
     "(true ∨ true) ∨ true ∧ true"),
    ("(true -> true) -> (true -> true)", "(true -> true) -> true -> true",
     "(true → true) → true → true"),
    ("phase - (phase - 1) + (2 * phase) * 3 > 0", "phase - (phase - 1) + 2*phase*3 > 0",
     "phase - (phase - 1) + 2*phase*3 > 0"),
    ("{i | i in HO(p) and decided(i)} = {}", "{i in HO(p) | decided(i)} = {}",
     "{i ∈ HO(p) | decided(i)} = ∅"),
    ("forall q. q in HO(p) -> decided(q)", "forall q in HO(p). decided(q)",
     "∀q ∈ HO(p). decided(q)"),
    ("(if true then phase else 1) + 1 > 0", "(if true then phase else 1) + 1 > 0",
     "(if true then phase else 1) + 1 > 0"),
    ("HO(p) union (HO(p) union HO(p)) = HO(p) inter (HO(p) \\ {})",
     "HO(p) union (HO(p) union HO(p)) = HO(p) inter (HO(p) \\ {})",
     "HO(p) ∪ (HO(p) ∪ HO(p)) = HO(p) ∩ (HO(p) ∖ ∅)"),
    ("exists a: Int, q: Proc, v: Val. true", "exists a: Int, q: Proc, v: Val. true",
     "∃a: Int, q: Proc, v: Val. true"),
    ("exists v: Val, q. true", "exists v: Val, q. true", "∃v: Val, q. true"),
])
def test_printing(text: str, ascii_out: str, unicode_out: str) -> None:
    t = parse(text, OTR)
    assert to_text(t) == ascii_out
    assert to_text(t, unicode=True) == unicode_out
    assert str(t) == ascii_out
    assert repr(t) == f"<Bool: {ascii_out}>"


def test_printing_fresh_variables_and_shadowed_constants() -> None:
    u = fresh_var("v", V)
    t = Exists(u, Eq(App(X, p), u))
    name = str(u.payload)
    assert "!" in name
    assert to_text(t) == f"exists {name}: Val. x(p) = {name}"
    assert to_latex(t).startswith("\\exists v_{" + name.split("!")[1] + "} : \\mathsf{Val}")
    # a 0-ary function whose name a binder shadows prints with parentheses
    c = FunctionSymbol("c", (), V)
    sig = OTR.extend(functions=[c])
    cv = Var("c", V)
    t = Exists(cv, Eq(cv, App(c)))
    assert to_text(t) == "exists c: Val. c = c()"
    rt(t, sig)


def test_printing_deep_terms_does_not_recurse() -> None:
    d = App(DECIDED, p)
    t = d
    for _ in range(2000):
        t = t & d          # And(And(And(...))) nested 2000 deep
    text = to_text(t)
    assert text.count("(") > 1900
    k = Var("k", INT)
    s = k
    for _ in range(2000):
        s = Neg(s)
    assert to_text(s).startswith("-----")
    assert to_latex(s).endswith("k")


# ---- LaTeX ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "latex"), [
    ("forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
     "\\forall i, j.\\, \\mathit{decided}(i) \\land \\mathit{decided}(j) \\Rightarrow "
     "\\mathit{decision}(i) = \\mathit{decision}(j)"),
    ("exists v. |{i | x(i) = v}| > 2n/3",
     "\\exists v : \\mathsf{Val}.\\, \\lvert\\{ i \\mid x(i) = v\\}\\rvert > \\frac{2n}{3}"),
    ("forall i. x'(i) = old(x)(i) or init(decided)(i)",
     "\\forall i.\\, x'(i) = \\mathit{old}(x)(i) \\lor \\mathit{init}(\\mathit{decided})(i)"),
    ("p in HO(p) union {} and p notin HO(p) inter HO(p) and HO(p) subset HO(p) \\ HO(p)",
     "p \\in \\mathit{HO}(p) \\cup \\emptyset \\land p \\notin \\mathit{HO}(p) \\cap "
     "\\mathit{HO}(p) \\land \\mathit{HO}(p) \\subseteq \\mathit{HO}(p) \\setminus "
     "\\mathit{HO}(p)"),
    ("not (p = p) or not decided(p) or phase <= n // 2 - 1",
     "p \\neq p \\lor \\neg \\mathit{decided}(p) \\lor \\mathit{phase} \\leq "
     "\\left\\lfloor \\frac{n}{2} \\right\\rfloor - 1"),
    ("exists S: Set(Proc). |S| >= 3 * phase",
     "\\exists S : \\mathsf{Set}(\\mathsf{Proc}).\\, \\lvert S\\rvert \\geq 3\\mathit{phase}"),
    ("|HO(p)| * (phase + 1) > 0",
     "\\lvert\\mathit{HO}(p)\\rvert \\cdot (\\mathit{phase} + 1) > 0"),
    ("exists S: Set(Proc). |S| > 0", "\\exists S : \\mathsf{Set}(\\mathsf{Proc}).\\, "
     "\\lvert S\\rvert > 0"),
    ("if true then p = p else false",
     "\\mathbf{if}\\ \\top\\ \\mathbf{then}\\ p = p\\ \\mathbf{else}\\ \\bot"),
])
def test_latex(text: str, latex: str) -> None:
    t = parse(text, OTR)
    assert to_latex(t) == latex
    assert t._repr_latex_() == f"${latex}$"


# ---- round trip on random terms ------------------------------------------------------------------

@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(terms(BOOL, 4))
def test_round_trip_random_formulas(t: Term) -> None:
    rt(t, SIG)
    assert to_latex(t)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_term(3))
def test_round_trip_random_terms_of_any_sort(t: Term) -> None:
    rt(t, SIG)


def test_strategy_signature_is_the_documented_one() -> None:
    assert SIG.functions["x"].codomain is VAL
    assert SIG.functions["y"].codomain is INT
    assert SIG.functions["d"].codomain is BOOL
    assert SIG.functions["HO"].codomain is SET_PROC
    assert TS.ordered


# ---- problem files -------------------------------------------------------------------------------

PROBLEM = """\
# The One-Third Rule's quorum facts
sort Val                       # value sort
sort Ts ordered
function x: Proc -> Val
function HO: Proc -> Set(Proc)
function coord: Int -> Proc
function f: Proc, Int -> Val
function g: (Proc, Val) -> Int
function h: Proc x Int -> Bool
function c: Val
constant v, w: Val
constant t: Ts
versions old, init, next

prove two_majorities: |{i | x(i) = v}| > n/2 and |{i | x(i) = w}| > n/2 -> v = w
sat example: |{i | x(i) = v}| > n/2
unsat thirds: |{i | x(i) = v}| > 2n/3 and \\
    |{i | x(i) = w}| > 2n/3 and v != w
prove frame: (forall i.
     x'(i) = old(x)(i))
  -> forall i. x'(i) = old(x)(i)
sat tuples: exists k. f(coord(k), k) = c and g(coord(k), v) = k and h(coord(k), k)
   # a comment line inside a goal
   and init(x)(coord(k)) = c
"""


def test_problem_file() -> None:
    prob = parse_problem(PROBLEM, "otr.hol")
    assert isinstance(prob, Problem)
    sig = prob.signature
    assert set(sig.sorts) == {"Val", "Ts"} and sig.sorts["Ts"].ordered
    assert sig.functions["f"].domain == (PROC, INT)
    assert sig.functions["g"].domain == (PROC, sig.sorts["Val"])
    assert sig.functions["h"].domain == (PROC, INT) and sig.functions["h"].codomain is BOOL
    assert sig.functions["c"].domain == () and sig.functions["c"].codomain == sig.sorts["Val"]
    assert dict(sig.constants) == {"v": sig.sorts["Val"], "w": sig.sorts["Val"],
                                   "t": sig.sorts["Ts"]}
    assert sig.versions == ("old", "init", "next")
    assert [(g.kind, g.name) for g in prob.goals] == [
        ("prove", "two_majorities"), ("sat", "example"), ("unsat", "thirds"),
        ("prove", "frame"), ("sat", "tuples")]
    assert [g.location.line for g in prob.goals] == [15, 16, 17, 19, 22]
    assert all(isinstance(g, Goal) and g.location.source == "otr.hol" for g in prob.goals)
    assert prob.goal("thirds").formula is parse(
        "|{i | x(i) = v}| > 2*n/3 and |{i | x(i) = w}| > 2*n/3 and v != w", sig)
    assert prob.goal("frame").formula.op is Op.IMPLIES
    assert prob.goals[0].formula.op is Op.IMPLIES
    with pytest.raises(KeyError):
        prob.goal("missing")


def test_problem_declarations_in_any_order() -> None:
    prob = parse_problem("prove a: exists u: Val. x(p) = u\nfunction x: Proc -> Val\n"
                         "constant p: Proc\nsort Val\n")
    assert prob.goals[0].formula.op is Op.EXISTS


PROBLEM_ERRORS: list[tuple[str, type[LogicError], int, int, str]] = [
    ("sort Val\nfunction x: Proc -> Val\nprove a: forall i. x(i) = y\n",
     UnknownSymbolError, 3, 27, "unknown name 'y'"),
    ("sort Val\nfunction x: Proc -> Val\nprove a: forall i. (x(i) = x(i)\nprove b: true\n",
     ParseError, 3, 32, "expected ')' to close '(' opened at 3:20, found end of line"),
    ("sort Val\nfunction x: Proc -> Vl\n", UnknownSymbolError, 2, 21, "unknown sort 'Vl'"),
    ("sort Val\nfunction x: Proc -> Val\nfunction x: Proc -> Int\n", ParseError, 3, 10,
     "'x' is already declared at 2:10"),
    ("\n\nfrobnicate x\n", ParseError, 3, 1, "expected a declaration"),
    ("prove : true\n", ParseError, 1, 7, "expected a goal name"),
    ("prove a true\n", ParseError, 1, 9, "expected ':'"),
    ("prove a: true\nsat a: false\n", ParseError, 2, 5, "goal 'a' is already defined at 1:7"),
    ("versions old, later\n", ParseError, 1, 15, "unknown state copy 'later'"),
    ("sort Set\n", SortError, 1, 6, "cannot name a value sort"),
    ("constant n: Int\n", ParseError, 1, 10, "'n' is reserved"),
    ("function HO: Int -> Set(Proc)\n", SortError, 1, 10, "set-valued function"),
    ("sort Val\nfunction x: Proc -> Val\nprove a: forall i. old(x)(i) = x(i)\n",
     UnknownSymbolError, 3, 24, "old(x) is not available here"),
    ("function f: Proc, Int\n", ParseError, 1, 22, "expected '->'"),
    ("sort Val extra\n", ParseError, 1, 10, "expected end of line"),
    ("constant and: Int\n", ParseError, 1, 10, "(a keyword)"),
    ("prove a: x(\n\n  \nsat b: true", ParseError, 1, 12, "found end of line"),
    ("prove a: true and\n", ParseError, 1, 18, "found end of line"),
    ("prove a: true and", ParseError, 1, 18, "found end of file"),
    ("constant p: Proc\nprove a:\n  forall i.\n    i = p and\n    i = q\n", UnknownSymbolError,
     5, 9, "unknown name 'q'"),
]


@pytest.mark.parametrize(("text", "cls", "line", "column", "part"), PROBLEM_ERRORS,
                         ids=[repr(e[0][:30]) for e in PROBLEM_ERRORS])
def test_problem_errors(text: str, cls: type[LogicError], line: int, column: int,
                        part: str) -> None:
    with pytest.raises(cls) as e:
        parse_problem(text, "bad.hol")
    assert e.value.location == SourceLocation(line, column, "bad.hol"), str(e.value)
    assert part in e.value.message


def test_problem_goal_round_trips_through_printer() -> None:
    prob = parse_problem(PROBLEM, "otr.hol")
    for g in prob.goals:
        text = to_text(g.formula, unicode=True)
        again = parse_problem(PROBLEM + f"prove again: {text}\n")
        assert again.goal("again").formula is g.formula
