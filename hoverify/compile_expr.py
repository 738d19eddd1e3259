"""Compiling the body of ``init``, ``send`` or ``update`` (a restricted Python subset) to terms.

One :class:`Body` per function. Statements are executed symbolically in SSA style: ``env`` maps
each local of ``p`` (and each temporary name) to its current symbolic :class:`Val`; an assignment
replaces the entry (so a later read sees the new expression); ``if/elif/else`` compiles both
branches and merges the environments with if-then-else on the condition. ``path`` is the condition
under which control reaches the current statement; ``return`` in ``send`` records a message case
guarded by ``path``. Well-formedness conditions the executor checks at run time (a ``None`` stored
in a non-optional local, ``None[0]``, arithmetic or ``<`` on ``None``) are collected as
``obligations`` (``path -> condition``); the relation itself uses the raw value.

Everything outside the subset raises a :class:`CompileError` naming the file, line, column and the
construct, and what is supported instead.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from hoverify import dsl
from hoverify.compile_mailbox import MailboxModel, SendCase
from hoverify.compile_values import (
    BOOL_T,
    INT_T,
    NONE_VAL,
    PROC_T,
    RAT_T,
    Ty,
    TypeClash,
    Val,
    eq,
    ite_val,
    le,
    lt,
    mk_and,
    mk_implies,
    mk_ite,
    mk_not,
    mk_or,
    truth,
    unify,
)
from hoverify.errors import CompileError
from logic.errors import LogicError
from logic.sorts import BOOL, INT, PROC, FunctionSymbol
from logic.terms import (
    FALSE,
    TRUE,
    Add,
    App,
    Div,
    FloorDiv,
    Gt,
    IntConst,
    Lt,
    Mul,
    N,
    Neg,
    Op,
    Sub,
    Term,
    Var,
    constant_value,
)

SUPPORTED_STATEMENTS = ("assignments to locals (p.x = ...) and to temporary names, if/elif/else, "
                        "p.decide(v), pass")
SUPPORTED_CALLS = ("coord(ph), choose(options), coin(), broadcast(payload), send_to(dest, payload)"
                   ", len(...), min(a, b), max(a, b), abs(a), p.decide(v) and the mailbox "
                   "operations (mbox.count, exists, forall, min, max, min_most_often, max_by, "
                   "from_, senders, size)")
MAILBOX_OPS = ("size", "senders", "count", "exists", "forall", "min", "max", "min_most_often",
               "max_by", "from_")


# ---- source locations -----------------------------------------------------------------------


@dataclass(frozen=True)
class FunctionSource:
    """The parsed source of one model function, with the offsets that locate its nodes in the
    file."""

    name: str          # e.g. "OneThirdRule.Exchange.update"
    fn: Any
    tree: ast.FunctionDef
    file: str
    line_off: int
    col_off: int

    @staticmethod
    def of(fn: Any, qualname: str) -> FunctionSource:
        code = getattr(fn, "__code__", None)
        file = code.co_filename if code is not None else "<unknown>"
        try:
            lines, start = inspect.getsourcelines(fn)
        except (OSError, TypeError) as e:
            raise CompileError(f"cannot read the source of {qualname}: {e}", file=file,
                               line=code.co_firstlineno if code is not None else None) from None
        text = "".join(lines)
        indent = len(lines[0]) - len(lines[0].lstrip()) if lines else 0
        try:
            module = ast.parse(textwrap.dedent(text))
        except SyntaxError as e:
            raise CompileError(f"syntax error in {qualname}: {e.msg}", file=file,
                               line=(e.lineno or 1) + start - 1,
                               column=(e.offset or 0) + indent or None) from None
        defs = [n for n in module.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        if not defs:
            raise CompileError(f"{qualname} must be a plain 'def' function", file=file,
                               line=start)
        tree = defs[0]
        if isinstance(tree, ast.AsyncFunctionDef):
            raise CompileError(f"{qualname} is 'async def': model functions are plain 'def' "
                               f"functions", file=file, line=start)
        return FunctionSource(qualname, fn, tree, file, start - 1, indent)

    def error(self, node: ast.AST | None, msg: str) -> CompileError:
        if node is None or not (hasattr(node, "lineno") and hasattr(node, "col_offset")):
            return CompileError(msg, file=self.file, line=self.tree.lineno + self.line_off)
        return CompileError(msg, file=self.file, line=node.lineno + self.line_off,
                            column=node.col_offset + self.col_off + 1)


# ---- the model's symbols --------------------------------------------------------------------


@dataclass(frozen=True)
class LocalInfo:
    """A local ``x``: its declaration, static type and symbols (``def_sym`` for optional
    locals)."""

    name: str
    decl: Any
    ty: Ty
    sym: FunctionSymbol
    def_sym: FunctionSymbol | None


@dataclass(frozen=True)
class Symbols:
    """What a body may refer to in the logic."""

    model: Any
    locals: dict[str, LocalInfo]
    ho: FunctionSymbol
    coord: FunctionSymbol
    proc: FunctionSymbol
    input: FunctionSymbol
    input_ty: Ty
    crashed: FunctionSymbol | None
    aho: FunctionSymbol | None
    r: Term
    phase: Term


class Fresh:
    """Fresh bound-variable names, unique within one compiled model."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}

    def __call__(self, base: str, sort: Any) -> Term:
        k = self.used.get(base, 0)
        self.used[base] = k + 1
        return Var(base if k == 0 else f"{base}{k}", sort)


# ---- compile-time objects that are not values -----------------------------------------------


@dataclass(frozen=True)
class _Proc:
    term: Term


@dataclass(frozen=True)
class _Mbox:
    pass


@dataclass(frozen=True)
class _Senders:
    pass


@dataclass(frozen=True)
class _Func:
    name: str


@dataclass(frozen=True)
class _Method:
    owner: str   # "p" or "mbox"
    name: str


@dataclass(frozen=True)
class _Send:
    dest: Term | None
    payload: Val


@dataclass(frozen=True)
class _Unset:
    name: str
    maybe: bool   # assigned on some paths only


_DSL_FUNCS = {"coord": dsl.coord, "choose": dsl.choose, "coin": dsl.coin,
              "broadcast": dsl.broadcast, "send_to": dsl.send_to}
_BUILTIN_FUNCS = {"len": builtins.len, "min": builtins.min, "max": builtins.max,
                  "abs": builtins.abs, "range": builtins.range}

_CONSTRUCTS: dict[type, str] = {
    ast.While: "a 'while' loop", ast.For: "a 'for' loop", ast.AsyncFor: "an 'async for' loop",
    ast.Import: "an 'import' statement", ast.ImportFrom: "an 'import' statement",
    ast.FunctionDef: "a nested function definition",
    ast.AsyncFunctionDef: "a nested function definition",
    ast.ClassDef: "a nested class definition", ast.Try: "a 'try' statement",
    ast.With: "a 'with' statement", ast.AsyncWith: "a 'with' statement",
    ast.Raise: "a 'raise' statement", ast.Assert: "an 'assert' statement",
    ast.Delete: "a 'del' statement", ast.Global: "a 'global' declaration",
    ast.Nonlocal: "a 'nonlocal' declaration", ast.Break: "'break'", ast.Continue: "'continue'",
    ast.Match: "a 'match' statement",
}
_EXPR_CONSTRUCTS: dict[type, str] = {
    ast.List: "a list", ast.Set: "a set", ast.Dict: "a dict",
    ast.ListComp: "a list comprehension", ast.SetComp: "a set comprehension",
    ast.DictComp: "a dict comprehension", ast.GeneratorExp: "a generator expression",
    ast.JoinedStr: "an f-string", ast.Await: "'await'", ast.Yield: "'yield'",
    ast.YieldFrom: "'yield from'", ast.NamedExpr: "an assignment expression (:=)",
    ast.Starred: "a starred expression", ast.Slice: "a slice", ast.Lambda: "a lambda",
}


def _is_const_int(t: Term) -> bool:
    return t.sort is INT and constant_value(t) is not None


def _fold(op: type, a: Term, b: Term) -> Term | None:
    """Python's value of ``a op b`` on two integer constants, or None."""
    if a.op is not Op.INT_CONST or b.op is not Op.INT_CONST:
        return None
    x, y = a.payload, b.payload
    if op is ast.Add:
        return IntConst(x + y)
    if op is ast.Sub:
        return IntConst(x - y)
    if op is ast.Mult:
        return IntConst(x * y)
    if op is ast.FloorDiv and y != 0:
        return IntConst(x // y)
    if op is ast.Mod and y != 0:
        return IntConst(x % y)
    return None


class Body:
    """The symbolic execution of one function body (see the module docstring).

    ``kind`` is ``init``, ``send`` or ``update``; ``me`` the process term of ``p`` (the receiver
    in ``update``, the sender in ``send``); ``env`` starts with the pre-state of ``me`` (or, in
    ``init``, the declared initial values).
    """

    def __init__(self, syms: Symbols, src: FunctionSource, kind: str, me: Term, fresh: Fresh,
                 env: dict[str, Val | _Unset], params: dict[str, object],
                 mailbox: MailboxModel | None = None) -> None:
        self.syms = syms
        self.src = src
        self.kind = kind
        self.me = me
        self.fresh = fresh
        self.env: dict[str, Val | _Unset] = dict(env)
        self.temps: dict[str, Val | _Unset] = {}
        self.params = params
        self.mailbox = mailbox
        self.path: Term = TRUE
        self.returned = False
        self.cases: list[SendCase] = []
        self.obligations: list[tuple[Term, str]] = []
        self.choices: list[Term] = []
        self.lambda_scope: list[dict[str, Val]] = []
        self.globals: dict[str, Any] = getattr(src.fn, "__globals__", {})

    # ---- errors and obligations ------------------------------------------------------------
    def fail(self, node: ast.AST | None, msg: str) -> NoReturn:
        raise self.src.error(node, msg)

    def require(self, cond: Term, what: str) -> None:
        if cond is TRUE:
            return
        self.obligations.append((mk_implies(self.path, cond), what))

    # ---- statements --------------------------------------------------------------------------
    def run(self) -> None:
        body = self.src.tree.body
        self.block(body)

    def block(self, stmts: list[ast.stmt]) -> None:
        for st in stmts:
            if self.path is FALSE:
                return
            self.stmt(st)

    def stmt(self, st: ast.stmt) -> None:
        where = self.kind
        if isinstance(st, ast.Pass):
            return
        if isinstance(st, ast.Expr):
            v = st.value
            if isinstance(v, ast.Constant) and (isinstance(v.value, str) or v.value is ...):
                return  # a docstring or '...'
            if isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute) \
                    and v.func.attr == "decide" and isinstance(self.expr(v.func.value), _Proc):
                self.decide(v)
                return
            self.fail(st, f"an expression statement is not supported in {where}: the only call "
                          f"with an effect is p.decide(v); supported statements: "
                          f"{SUPPORTED_STATEMENTS}")
        if isinstance(st, ast.Assign):
            if len(st.targets) != 1:
                self.fail(st, "chained assignment (a = b = ...) is not supported; assign one "
                              "target at a time")
            self.assign(st.targets[0], self.value(st.value), st)
            return
        if isinstance(st, ast.AugAssign):
            current = self.expr(_load(st.target))
            rhs = self.expr(st.value)
            self.assign(st.target, self.binop(st, st.op, current, rhs), st)
            return
        if isinstance(st, ast.AnnAssign):
            self.fail(st, "an annotated assignment is not supported; write 'name = expr' (locals "
                          "are declared with Local(...) in the Algorithm class)")
        if isinstance(st, ast.If):
            self.if_(st)
            return
        if isinstance(st, ast.Return):
            if self.kind != "send":
                self.fail(st, f"'return' is not supported in {where}: {where} changes the locals "
                              f"of p and returns nothing; only send returns (broadcast(...), "
                              f"send_to(...) or None)")
            self.return_(st.value, st)
            return
        what = _CONSTRUCTS.get(type(st), f"the statement '{type(st).__name__}'")
        extra = ""
        if isinstance(st, (ast.While, ast.For, ast.AsyncFor)):
            extra = ("; the model language has no loops: use if/elif/else and the mailbox "
                     "operations (count, exists, forall, min, max, min_most_often, max_by)")
        elif isinstance(st, (ast.Import, ast.ImportFrom)):
            extra = "; import at the top of the model file (only hoverify names can be used)"
        elif isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
            extra = "; pass 'lambda m: ...' to the mailbox operations instead"
        self.fail(st, f"{what} is not supported in {where}{extra}; supported statements: "
                      f"{SUPPORTED_STATEMENTS}")

    def value(self, node: ast.expr) -> Val:
        v = self.expr(node)
        if not isinstance(v, Val):
            self.fail(node, f"{self.describe(v)} is not a value that can be stored")
        return v

    def assign(self, target: ast.expr, v: Val, st: ast.stmt) -> None:
        if isinstance(target, ast.Attribute):
            owner = self.expr(target.value)
            if isinstance(owner, _Proc) and owner.term is self.me:
                if self.kind == "send":
                    self.fail(target, "send cannot assign locals (the executor runs update on "
                                      "the pre-round state); assign them in update")
                self.store(target.attr, v, target)
                return
            self.fail(target, f"assignment to '{ast.unparse(target)}' is not supported: only "
                              f"locals of p (p.x = ...) and temporary names can be assigned")
        if isinstance(target, ast.Name):
            name = target.id
            if name in self.params:
                self.fail(target, f"'{name}' is a parameter of {self.src.name} and cannot be "
                                  f"reassigned")
            if name in ("n", "r", "phase"):
                self.fail(target, f"'{name}' is a run constant and cannot be assigned")
            self.temps[name] = v
            return
        self.fail(target, f"assignment to '{ast.unparse(target)}' is not supported: only "
                          f"locals of p (p.x = ...) and temporary names can be assigned "
                          f"(no tuple unpacking, subscripts or attributes of other objects)")

    def store(self, name: str, v: Val, node: ast.AST) -> None:
        info = self.syms.locals.get(name)
        if info is None:
            if name in ("id", "decide"):
                self.fail(node, f"p.{name} cannot be assigned")
            declared = ", ".join(self.syms.locals)
            self.fail(node, f"'{name}' is not a local of {self.syms.model.__name__} (declared: "
                            f"{declared}); declare it with {name} = Local(...)")
        self.env[name] = self.coerce(v, info, node)

    def coerce(self, v: Val, info: LocalInfo, node: ast.AST) -> Val:
        lt_ = info.ty
        what = f"local '{info.name}' of type {lt_.show()}"
        k = v.ty.kind
        if k == "none":
            if not lt_.optional:
                self.fail(node, f"None stored in the {what}: declare it Local("
                                f"{lt_.show()} | None) to allow None")
            return Val(lt_, None, FALSE)
        if k == "tuple":
            self.fail(node, f"a tuple cannot be stored in the {what}; store one component "
                            f"(m[0])")
        if k == "rat":
            self.fail(node, f"the result of exact division '/' cannot be stored in the {what} "
                            f"(it may be a fraction); use '//' for floor division")
        term = v.term
        assert term is not None
        if lt_.kind == "proc" and k == "int" and term.op is Op.INT_CONST:
            term = App(self.syms.proc, term)
        elif k != lt_.kind or (k == "value" and v.ty.vsort != lt_.vsort):
            self.fail(node, f"a value of type {v.ty.show()} cannot be stored in the {what}")
        if v.ty.optional and not lt_.optional:
            self.require(v.defined, f"a None stored in the {what}")
            return Val(lt_, term, TRUE)
        return Val(lt_, term, v.defined)

    def decide(self, call: ast.Call) -> None:
        if self.kind == "send":
            self.fail(call, "p.decide(v) is not allowed in send; decide in update")
        missing = [x for x in ("decided", "decision") if x not in self.syms.locals]
        if missing:
            self.fail(call, f"p.decide(v) sets the locals decided and decision; declare "
                            f"{' and '.join(missing)} with Local(...)")
        if len(call.args) != 1 or call.keywords:
            self.fail(call, "p.decide takes one argument: p.decide(v)")
        v = self.value(call.args[0])
        self.store("decided", Val(BOOL_T, TRUE), call)
        self.store("decision", v, call.args[0])

    def snapshot(self) -> tuple[dict[str, Val | _Unset], dict[str, Val | _Unset]]:
        return dict(self.env), dict(self.temps)

    def if_(self, st: ast.If) -> None:
        c = self.cond(st.test)
        env0, temps0 = self.snapshot()
        path0, ret0 = self.path, self.returned
        self.path, self.returned = mk_and(path0, c), False
        self.block(st.body)
        env_a, temps_a, fall_a, ret_a = self.env, self.temps, self.path, self.returned
        self.env, self.temps = dict(env0), dict(temps0)
        self.path, self.returned = mk_and(path0, mk_not(c)), False
        self.block(st.orelse)
        env_b, temps_b, fall_b, ret_b = self.env, self.temps, self.path, self.returned
        self.returned = ret0 or ret_a or ret_b
        self.path = mk_or(fall_a, fall_b) if (ret_a or ret_b) else path0
        if fall_a is FALSE:
            self.env, self.temps = env_b, temps_b
        elif fall_b is FALSE:
            self.env, self.temps = env_a, temps_a
        else:
            self.env = self.merge(c, env_a, env_b, st)
            self.temps = self.merge(c, temps_a, temps_b, st)

    def merge(self, c: Term, a: dict[str, Val | _Unset], b: dict[str, Val | _Unset],
              st: ast.stmt) -> dict[str, Val | _Unset]:
        out: dict[str, Val | _Unset] = {}
        for name in dict.fromkeys([*a, *b]):
            x, y = a.get(name), b.get(name)
            if x is y:
                assert x is not None
                out[name] = x
            elif isinstance(x, Val) and isinstance(y, Val):
                try:
                    out[name] = ite_val(c, x, y)
                except TypeClash as e:
                    self.fail(st, f"'{name}' has different types in the branches of this if: "
                                  f"{e}")
            else:
                out[name] = _Unset(name, True)
        return out

    def return_(self, node: ast.expr | None, st: ast.stmt) -> None:
        if node is None or (isinstance(node, ast.Constant) and node.value is None):
            pass
        elif isinstance(node, ast.IfExp):
            c = self.cond(node.test)
            path0 = self.path
            self.path = mk_and(path0, c)
            self.return_(node.body, st)
            self.path = mk_and(path0, mk_not(c))
            self.return_(node.orelse, st)
            self.path = path0
        else:
            v = self.expr(node)
            if isinstance(v, _Send):
                self.cases.append(SendCase(self.path, v.dest, v.payload))
            elif not (isinstance(v, Val) and v.ty.kind == "none"):
                self.fail(node, f"send must return broadcast(payload), send_to(dest, payload) "
                                f"or None, found {self.describe(v)}")
        self.path = FALSE
        self.returned = True

    # ---- expressions -------------------------------------------------------------------------
    def describe(self, v: object) -> str:
        if isinstance(v, Val):
            return f"a value of type {v.ty.show()}"
        if isinstance(v, _Proc):
            return "the process p"
        if isinstance(v, _Mbox):
            return "the mailbox"
        if isinstance(v, _Senders):
            return "mbox.senders"
        if isinstance(v, _Func):
            return f"the function {v.name}"
        if isinstance(v, _Method):
            return f"the method {v.owner}.{v.name}"
        if isinstance(v, _Send):
            return "a message (broadcast/send_to)"
        return repr(v)

    def cond(self, node: ast.expr) -> Term:
        """The truth value of ``node`` (Python's truthiness; and/or/not on any values)."""
        if isinstance(node, ast.BoolOp):
            parts = [self.cond(v) for v in node.values]
            return mk_and(*parts) if isinstance(node.op, ast.And) else mk_or(*parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return mk_not(self.cond(node.operand))
        v = self.expr(node)
        return self.truth_of(v, node)

    def truth_of(self, v: object, node: ast.AST) -> Term:
        if isinstance(v, (_Mbox, _Senders)):
            assert self.mailbox is not None
            return Gt(self.mailbox.size(), IntConst(0))
        if not isinstance(v, Val):
            self.fail(node, f"{self.describe(v)} cannot be used as a condition")
        t = truth(v)
        if t is None:
            self.fail(node, f"the truth value of {v.ty.show()} is not supported; compare it "
                            f"explicitly (e.g. p.id == coord(phase))")
        return t

    def expr(self, node: ast.expr) -> object:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.BinOp):
            return self.binop(node, node.op, self.expr(node.left), self.expr(node.right))
        if isinstance(node, ast.UnaryOp):
            return self.unaryop(node)
        if isinstance(node, ast.BoolOp):
            parts = []
            for v in node.values:
                vv = self.expr(v)
                if not (isinstance(vv, Val) and vv.ty.kind == "bool" and not vv.ty.optional):
                    # Python's and/or return an operand, not a bool: on other values they
                    # are supported where only their truth value matters (conditions)
                    self.fail(v, f"'{type(node.op).__name__.lower()}' on {self.describe(vv)} "
                                 f"is only supported in conditions (where only its truth value "
                                 f"matters); compare explicitly (e.g. x is not None)")
                assert vv.term is not None
                parts.append(vv.term)
            res = mk_and(*parts) if isinstance(node.op, ast.And) else mk_or(*parts)
            return Val(BOOL_T, res)
        if isinstance(node, ast.Compare):
            return Val(BOOL_T, self.compare(node))
        if isinstance(node, ast.IfExp):
            c = self.cond(node.test)
            path0 = self.path
            self.path = mk_and(path0, c)
            a = self.expr(node.body)
            self.path = mk_and(path0, mk_not(c))
            b = self.expr(node.orelse)
            self.path = path0
            if not (isinstance(a, Val) and isinstance(b, Val)):
                self.fail(node, "both branches of a conditional expression must be values")
            try:
                return ite_val(c, a, b)
            except TypeClash as e:
                self.fail(node, f"the branches of this conditional expression have different "
                                f"types: {e}")
        if isinstance(node, ast.Tuple):
            items = []
            for elt in node.elts:
                comp = self.expr(elt)
                if not isinstance(comp, Val) or not comp.ty.scalar and comp.ty.kind != "none":
                    self.fail(elt, f"a tuple component must be a value (int, bool or None), "
                                   f"found {self.describe(comp)}")
                if comp.ty.kind == "rat":
                    self.fail(elt, "the result of exact division '/' cannot be sent or stored; use "
                                 "'//'")
                items.append(comp)
            return Val(Ty("tuple", False, tuple(i.ty for i in items)), None, TRUE, tuple(items))
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        what = _EXPR_CONSTRUCTS.get(type(node), f"the expression '{type(node).__name__}'")
        if isinstance(node, ast.Lambda):
            self.fail(node, "a lambda is only supported as the argument of a mailbox operation "
                            "(mbox.count, exists, forall, max_by)")
        self.fail(node, f"{what} is not supported in {self.kind}; supported: arithmetic, "
                        f"comparisons, and/or/not, conditional expressions, tuples, the locals "
                        f"of p and {SUPPORTED_CALLS}")

    def constant(self, node: ast.Constant) -> Val:
        v = node.value
        if v is None:
            return NONE_VAL
        if v is True or v is False:
            return Val(BOOL_T, TRUE if v else FALSE)
        if isinstance(v, int):
            return Val(INT_T, IntConst(v))
        if isinstance(v, float):
            self.fail(node, f"the float literal {v!r} is not supported: values are integers; "
                            f"use exact division (2 * n / 3) or floor division (//)")
        self.fail(node, f"the literal {v!r} ({type(v).__name__}) is not supported: values are "
                        f"integers, True/False and None")

    def name(self, node: ast.Name) -> object:
        name = node.id
        for scope in reversed(self.lambda_scope):
            if name in scope:
                return scope[name]
        if name in self.params:
            return self.params[name]
        if name in self.temps:
            v = self.temps[name]
            if isinstance(v, _Unset):
                self.fail(node, f"'{name}' may be unassigned here (it is assigned on some paths "
                                f"only); assign it before the if")
            return v
        if name in self.globals:
            obj = self.globals[name]
        elif hasattr(builtins, name):
            obj = getattr(builtins, name)
        else:
            self.fail(node, f"unknown name '{name}'")
        if obj is dsl.n:
            return Val(INT_T, N)
        if obj is dsl.r:
            return Val(INT_T, self.syms.r)
        if obj is dsl.phase:
            return Val(INT_T, self.syms.phase)
        for fname, f in _DSL_FUNCS.items():
            if obj is f:
                return _Func(fname)
        for fname, bf in _BUILTIN_FUNCS.items():
            if obj is bf:
                return _Func(fname)
        if obj is True or obj is False:
            return Val(BOOL_T, TRUE if obj else FALSE)
        if obj is None:
            return NONE_VAL
        if type(obj) is int:
            return Val(INT_T, IntConst(obj))
        if callable(obj):
            return _Func(name)  # reported when called
        self.fail(node, f"the name '{name}' ({type(obj).__name__}) is not supported in model "
                        f"code; supported: p, the mailbox, n, r, phase, module-level int and "
                        f"bool constants, and {SUPPORTED_CALLS}")

    def local(self, name: str, node: ast.AST) -> Val:
        v = self.env.get(name)
        if v is None:
            declared = ", ".join(self.syms.locals)
            self.fail(node, f"'{name}' is not a local of {self.syms.model.__name__} (declared: "
                            f"{declared})")
        if isinstance(v, _Unset):
            self.fail(node, f"local '{name}' is read before it is assigned (give it an initial "
                            f"value with Local(..., initial=...) or assign it first)")
        return v

    def attribute(self, node: ast.Attribute) -> object:
        base = node.value
        if isinstance(base, ast.Name) and not any(base.id in s for s in self.lambda_scope) \
                and base.id not in self.params and base.id not in self.temps \
                and (base.id in self.globals or hasattr(builtins, base.id)):
            self.fail(node, f"attribute access '{ast.unparse(node)}' is not supported: only p "
                            f"(its locals, p.id, p.decide) and the mailbox have attributes")
        owner = self.expr(base)
        attr = node.attr
        if isinstance(owner, _Proc):
            if attr == "id":
                return Val(PROC_T, owner.term)
            if attr == "decide":
                return _Method("p", "decide")
            if owner.term is not self.me:
                self.fail(node, "only the locals of p itself can be read")
            return self.local(attr, node)
        if isinstance(owner, _Mbox):
            assert self.mailbox is not None
            if attr == "size":
                return Val(INT_T, self.mailbox.size())
            if attr == "senders":
                return _Senders()
            if attr in MAILBOX_OPS:
                return _Method("mbox", attr)
            self.fail(node, f"the mailbox has no operation '{attr}'; supported: "
                            f"{', '.join(MAILBOX_OPS)}")
        self.fail(node, f"attribute access '{ast.unparse(node)}' is not supported: only p "
                        f"(its locals, p.id, p.decide) and the mailbox have attributes")

    def subscript(self, node: ast.Subscript) -> Val:
        v = self.expr(node.value)
        if not isinstance(v, Val) or v.ty.kind != "tuple":
            self.fail(node, f"subscripts are supported on tuple payloads only (m[0]), not on "
                            f"{self.describe(v)}")
        idx = node.slice
        k: int | None = None
        if isinstance(idx, ast.Constant) and type(idx.value) is int:
            k = idx.value
        elif isinstance(idx, ast.UnaryOp) and isinstance(idx.op, ast.USub) \
                and isinstance(idx.operand, ast.Constant) and type(idx.operand.value) is int:
            k = -idx.operand.value
        if k is None:
            self.fail(idx, "a tuple index must be an integer literal (m[0], m[1])")
        if not -len(v.items) <= k < len(v.items):
            self.fail(idx, f"index {k} is out of range for a tuple of {len(v.items)} components")
        self.require(v.defined, "a subscript of None")
        return v.items[k]

    # ---- arithmetic ----------------------------------------------------------------------------
    def number(self, v: object, node: ast.AST, what: str) -> tuple[Term, bool]:
        """(term, is_rat) of an arithmetic operand."""
        if not isinstance(v, Val) or v.ty.kind not in ("int", "rat"):
            self.fail(node, f"{what} must be an integer, found {self.describe(v)}")
        assert v.term is not None
        if v.ty.optional:
            self.require(v.defined, f"arithmetic on None ({what})")
        return v.term, v.ty.kind == "rat"

    def binop(self, node: ast.AST, op: ast.operator, a: object, b: object) -> Val:
        opname = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
                  ast.Mod: "%"}.get(type(op))
        if opname is None:
            self.fail(node, f"the operator {type(op).__name__} is not supported; supported: "
                            f"+ - * / // %")
        left = getattr(node, "left", getattr(node, "target", node))
        right = getattr(node, "right", getattr(node, "value", node))
        ta, ra = self.number(a, left, f"the left operand of {opname}")
        tb, rb = self.number(b, right, f"the right operand of {opname}")
        rat = ra or rb
        folded = _fold(type(op), ta, tb)
        if folded is not None:
            return Val(INT_T, folded)
        try:
            if isinstance(op, ast.Add):
                return Val(RAT_T if rat else INT_T, Add(ta, tb))
            if isinstance(op, ast.Sub):
                return Val(RAT_T if rat else INT_T, Sub(ta, tb))
            if isinstance(op, ast.Mult):
                return Val(RAT_T if rat else INT_T, Mul(ta, tb))
            if not _is_const_int(tb):
                self.fail(right, f"the divisor of '{opname}' must be an integer constant "
                                 f"(like 2 * n / 3)")
            if constant_value(tb) == 0:
                self.fail(right, "division by zero")
            if isinstance(op, ast.Div):
                if _is_const_int(ta) and not rat:
                    self.fail(node, "'/' between two integer constants is a float in Python; "
                                    "write the bound with n (2 * n / 3) or use '//'")
                return Val(RAT_T, Div(ta, tb))
            if isinstance(op, ast.FloorDiv):
                return Val(INT_T, FloorDiv(ta, tb))
            # a % k = a - k * (a // k), as Python's % for a constant k
            return Val(RAT_T if rat else INT_T, Sub(ta, Mul(tb, FloorDiv(ta, tb))))
        except LogicError as e:
            self.fail(node, f"cannot compile '{opname}': {e.message}")

    def unaryop(self, node: ast.UnaryOp) -> Val:
        if isinstance(node.op, ast.Not):
            return Val(BOOL_T, mk_not(self.cond(node.operand)))
        v = self.expr(node.operand)
        if isinstance(node.op, ast.UAdd):
            self.number(v, node.operand, "the operand of unary +")
            assert isinstance(v, Val)
            return v
        if isinstance(node.op, ast.USub):
            t, rat = self.number(v, node.operand, "the operand of unary -")
            if t.op is Op.INT_CONST:
                return Val(INT_T, IntConst(-t.payload))
            return Val(RAT_T if rat else INT_T, Neg(t))
        self.fail(node, "the operator ~ is not supported")

    # ---- comparisons ---------------------------------------------------------------------------
    def compare(self, node: ast.Compare) -> Term:
        parts = []
        left_node = node.left
        left = self.expr(left_node)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.expr(right_node)
            parts.append(self.compare1(node, op, left, right, left_node, right_node))
            left, left_node = right, right_node
        return mk_and(*parts)

    def as_proc(self, v: object, node: ast.AST) -> Term | None:
        if isinstance(v, Val) and v.ty.kind == "proc":
            assert v.term is not None
            if v.ty.optional:
                self.require(v.defined, "a process id that is None")
            return v.term
        if isinstance(v, Val) and v.ty.kind == "int" and v.term is not None \
                and v.term.op is Op.INT_CONST and not v.ty.optional:
            return App(self.syms.proc, v.term)
        return None

    def proc_arg(self, v: object, node: ast.AST, what: str) -> Term:
        t = self.as_proc(v, node)
        if t is None:
            self.fail(node, f"{what} must be a process id (p.id, coord(phase), a Proc local or "
                            f"an integer constant), found {self.describe(v)}")
        return t

    def compare1(self, node: ast.AST, op: ast.cmpop, a: object, b: object, na: ast.AST,
                 nb: ast.AST) -> Term:
        if isinstance(op, (ast.In, ast.NotIn)):
            res = self.membership(a, b, na, nb)
            return mk_not(res) if isinstance(op, ast.NotIn) else res
        if isinstance(op, (ast.Is, ast.IsNot)):
            if isinstance(b, Val) and b.ty.kind == "none" and isinstance(a, Val):
                res = mk_not(a.defined)
            elif isinstance(a, Val) and a.ty.kind == "none" and isinstance(b, Val):
                res = mk_not(b.defined)
            else:
                self.fail(node, "'is' is supported only as 'x is None' / 'x is not None'; use == "
                                "to compare values")
            return mk_not(res) if isinstance(op, ast.IsNot) else res
        if not (isinstance(a, Val) and isinstance(b, Val)):
            bad, where = (a, na) if not isinstance(a, Val) else (b, nb)
            self.fail(where, f"{self.describe(bad)} cannot be compared")
        if isinstance(op, (ast.Eq, ast.NotEq)):
            res = self.equal(a, b, node)
            return mk_not(res) if isinstance(op, ast.NotEq) else res
        # ordering
        for v, where in ((a, na), (b, nb)):
            if v.ty.kind not in ("int", "rat", "bool", "value") or \
                    (v.ty.kind == "value" and not (v.ty.vsort and v.ty.vsort.ordered)):
                self.fail(where, f"'<', '<=', '>', '>=' compare integers (or Booleans), not "
                                 f"{self.describe(v)}")
            if v.ty.optional:
                self.require(v.defined, "an order comparison with None")
        if (a.ty.kind == "bool") != (b.ty.kind == "bool") or (
                a.ty.kind == "value") != (b.ty.kind == "value"):
            self.fail(node, f"cannot order {a.ty.show()} against {b.ty.show()}")
        sa, sb = a.ty.strict(), b.ty.strict()
        va, vb = Val(sa, a.term), Val(sb, b.term)
        if isinstance(op, ast.Lt):
            return lt(va, vb)
        if isinstance(op, ast.LtE):
            return le(va, vb)
        if isinstance(op, ast.Gt):
            return lt(vb, va)
        return le(vb, va)

    def equal(self, a: Val, b: Val, node: ast.AST) -> Term:
        ka, kb = a.ty.kind, b.ty.kind
        if "none" in (ka, kb):
            return eq(a, b)
        if ka == "proc" or kb == "proc":
            pa, pb = self.as_proc(a, node), self.as_proc(b, node)
            if pa is None or pb is None:
                self.fail(node, f"cannot compare {a.ty.show()} with {b.ty.show()}")
            da = a.defined if ka == "proc" else TRUE
            db = b.defined if kb == "proc" else TRUE
            return eq(Val(PROC_T.opt(), pa, da), Val(PROC_T.opt(), pb, db))
        try:
            unify(a.ty, b.ty)
        except TypeClash:
            self.fail(node, f"cannot compare {a.ty.show()} with {b.ty.show()}")
        return eq(a, b)

    def membership(self, a: object, b: object, na: ast.AST, nb: ast.AST) -> Term:
        if isinstance(b, _Senders):
            assert self.mailbox is not None
            q = self.proc_arg(a, na, "the left operand of 'in mbox.senders'")
            return self.mailbox.sender_in(q)
        if isinstance(b, Val) and b.ty.kind == "tuple" and isinstance(a, Val):
            self.require(b.defined, "'in' on None")
            return mk_or(*[self.equal(a, item, na) for item in b.items])
        self.fail(nb, f"'in' is supported on mbox.senders and tuples of values, not on "
                      f"{self.describe(b)}")

    # ---- calls -----------------------------------------------------------------------------
    def call(self, node: ast.Call) -> object:
        if node.keywords:
            self.fail(node, "keyword arguments are not supported")
        f = self.expr(node.func)
        args = node.args
        if isinstance(f, _Method):
            if f.owner == "p":
                self.fail(node, "p.decide(v) is a statement, not a value")
            return self.mailbox_call(node, f.name, args)
        if not isinstance(f, _Func):
            self.fail(node.func, f"{self.describe(f)} is not a function")
        name = f.name
        if name == "coord":
            self.arity(node, 1)
            v = self.expr(args[0])
            t, rat = self.number(v, args[0], "the argument of coord")
            if rat:
                self.fail(args[0], "the argument of coord must be an integer (a phase)")
            return Val(PROC_T, App(self.syms.coord, t))
        if name in ("choose", "coin"):
            return self.choice(node, name)
        if name in ("broadcast", "send_to"):
            if self.kind != "send":
                self.fail(node, f"{name}(...) is only meaningful as the return value of send")
            if name == "broadcast":
                self.arity(node, 1)
                return _Send(None, self.payload(args[0]))
            self.arity(node, 2)
            dest = self.proc_arg(self.expr(args[0]), args[0], "the destination of send_to")
            return _Send(dest, self.payload(args[1]))
        if name == "len":
            self.arity(node, 1)
            v = self.expr(args[0])
            if isinstance(v, (_Mbox, _Senders)):
                assert self.mailbox is not None
                return Val(INT_T, self.mailbox.size())
            if isinstance(v, Val) and v.ty.kind == "tuple":
                return Val(INT_T, IntConst(len(v.items)))
            self.fail(node, f"len() is supported on the mailbox and mbox.senders, not on "
                            f"{self.describe(v)}")
        if name in ("min", "max"):
            if len(args) < 2:
                self.fail(node, f"{name}() is supported with two or more values (min(a, b)); "
                                f"for the mailbox use mbox.{name}()")
            vals = [self.expr(a) for a in args]
            terms = [self.number(v, a, f"an argument of {name}") for v, a in
                     zip(vals, args, strict=True)]
            acc, rat = terms[0]
            for t, r2 in terms[1:]:
                better = Lt(t, acc) if name == "min" else Gt(t, acc)
                acc, rat = mk_ite(better, t, acc), rat or r2
            return Val(RAT_T if rat else INT_T, acc)
        if name == "abs":
            self.arity(node, 1)
            t, rat = self.number(self.expr(args[0]), args[0], "the argument of abs")
            return Val(RAT_T if rat else INT_T, mk_ite(Lt(t, IntConst(0)), Neg(t), t))
        if name == "range":
            self.fail(node, "range(...) is only supported as the options of choose(...)")
        self.fail(node.func, f"call to unknown function '{ast.unparse(node.func)}'; supported: "
                             f"{SUPPORTED_CALLS}")

    def arity(self, node: ast.Call, k: int) -> None:
        if len(node.args) != k or any(isinstance(a, ast.Starred) for a in node.args):
            self.fail(node, f"{ast.unparse(node.func)} takes {k} argument(s), given "
                            f"{len(node.args)}")

    def payload(self, node: ast.expr) -> Val:
        v = self.expr(node)
        if not isinstance(v, Val):
            self.fail(node, f"a message payload must be a value (int, bool, None) or a tuple of "
                            f"values, found {self.describe(v)}")
        if v.ty.kind == "rat":
            self.fail(node, "the result of exact division '/' cannot be sent; use '//'")
        return v

    def choice(self, node: ast.Call, name: str) -> Val:
        if self.kind != "update":
            self.fail(node, f"{name}() is supported in update only (a nondeterministic choice "
                            f"of the receiving process)")
        if name == "coin":
            self.arity(node, 0)
            options = [Val(INT_T, IntConst(0)), Val(INT_T, IntConst(1))]
        else:
            self.arity(node, 1)
            arg = node.args[0]
            if isinstance(arg, (ast.Tuple, ast.List)):
                options = []
                for e in arg.elts:
                    v = self.expr(e)
                    if not isinstance(v, Val) or not (v.ty.scalar or v.ty.kind == "none"):
                        self.fail(e, f"an option of choose must be a value, found "
                                     f"{self.describe(v)}")
                    options.append(v)
            elif isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) \
                    and self.expr(arg.func) == _Func("range"):
                bounds = []
                for e in arg.args:
                    v = self.expr(e)
                    if not (isinstance(v, Val) and v.term is not None
                            and v.term.op is Op.INT_CONST):
                        self.fail(e, "range(...) in choose needs integer constants")
                    bounds.append(v.term.payload)
                if not 1 <= len(bounds) <= 2:
                    self.fail(arg, "range takes one or two constants here")
                options = [Val(INT_T, IntConst(i)) for i in range(*bounds)]
            else:
                self.fail(arg, "the options of choose must be a literal tuple or list of values, "
                               "or range(...) with constant bounds")
            if not options:
                self.fail(arg, "choose() needs at least one option")
        # option i is taken when b_1..b_{i-1} are false and b_i is true (the last: all false)
        acc = options[-1]
        for opt in reversed(options[:-1]):
            b = self.fresh("b", BOOL)
            self.choices.append(b)
            try:
                acc = ite_val(b, opt, acc)
            except TypeClash as e:
                self.fail(node, f"the options of {name} have different types: {e}")
        return acc

    # ---- the mailbox API -------------------------------------------------------------------
    def mailbox_call(self, node: ast.Call, name: str, args: list[ast.expr]) -> Val:
        mb = self.mailbox
        assert mb is not None
        if name in ("min", "max", "min_most_often"):
            self.arity(node, 0)
            self.orderable_payload(node, name)
            return mb.extreme(name)
        if name == "from_":
            self.arity(node, 1)
            q = self.proc_arg(self.expr(args[0]), args[0], "the argument of from_")
            return mb.from_(q)
        if name == "count":
            self.arity(node, 1)
            if isinstance(args[0], ast.Lambda):
                c = self.lam_cond(args[0])
                return Val(INT_T, mb.count(c))
            v = self.expr(args[0])
            if not isinstance(v, Val):
                self.fail(args[0], f"count takes a value or 'lambda m: ...', not "
                                   f"{self.describe(v)}")
            return Val(INT_T, mb.count(lambda m: self.equal(m, v, args[0])))
        if name in ("exists", "forall"):
            self.arity(node, 1)
            if not isinstance(args[0], ast.Lambda):
                self.fail(args[0], f"mbox.{name} takes 'lambda m: ...' (a condition on one "
                                   f"received payload m)")
            c = self.lam_cond(args[0])
            op = mb.exists if name == "exists" else mb.forall
            return Val(BOOL_T, op(c))
        if name == "max_by":
            self.arity(node, 1)
            if not isinstance(args[0], ast.Lambda):
                self.fail(args[0], "mbox.max_by takes 'lambda m: key' (a key of one received "
                                   "payload m)")
            self.orderable_payload(node, name)
            f = self.lam(args[0])

            def key(m: Val) -> Val:
                k = f(m)
                if not isinstance(k, Val) or k.ty.kind == "tuple" and not all(
                        i.kind in ("int", "bool", "none") for i in k.ty.items) or \
                        k.ty.kind in ("proc", "rat") or k.ty.kind == "value" and not (
                        k.ty.vsort and k.ty.vsort.ordered):
                    self.fail(args[0], f"the key of max_by must be an integer or a Boolean, "
                                       f"found {self.describe(k)}")
                return k

            probe = mb.pay(Var("probe!", PROC))
            return mb.extreme("max_by", key, key_id=key(probe))
        self.fail(node, f"unknown mailbox operation {name}")  # pragma: no cover

    def orderable_payload(self, node: ast.AST, name: str) -> None:
        from hoverify.compile_values import orderable

        ty = self.mailbox.payload_ty if self.mailbox else None
        if ty is not None and not orderable(ty):
            self.fail(node, f"mbox.{name}() needs ordered payloads (ints, Booleans, None and "
                            f"tuples of these), found {ty.show()}")

    def lam_cond(self, node: ast.Lambda) -> Callable[[Val], Term]:
        """A predicate lambda, as a function from the payload to a formula."""
        return self.lam(node, as_cond=True)  # type: ignore[return-value]

    def lam(self, node: ast.Lambda, as_cond: bool = False) -> Callable[[Val], object]:
        """``lambda m: body`` as a function of the payload ``m``. Run-time errors inside a lambda
        (e.g. ``m < 3`` on a ``None`` payload) are not recorded as obligations."""
        a = node.args
        if len(a.args) != 1 or a.posonlyargs or a.kwonlyargs or a.vararg or a.kwarg \
                or a.defaults:
            self.fail(node, "a mailbox lambda takes exactly one parameter: lambda m: ...")
        pname = a.args[0].arg

        def apply(m: Val) -> object:
            self.lambda_scope.append({pname: m})
            saved = self.obligations
            self.obligations = []
            try:
                return self.cond(node.body) if as_cond else self.expr(node.body)
            finally:
                self.obligations = saved
                self.lambda_scope.pop()

        return apply


def _load(target: ast.expr) -> ast.expr:
    """The target of ``x += e`` as an expression that reads it."""
    if isinstance(target, ast.Name):
        return ast.copy_location(ast.Name(target.id, ast.Load()), target)
    if isinstance(target, ast.Attribute):
        return ast.copy_location(ast.Attribute(target.value, target.attr, ast.Load()), target)
    return target


__all__ = ["Body", "FunctionSource", "Symbols", "LocalInfo", "Fresh"]
