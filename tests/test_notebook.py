"""Jupyter support: the HTML/LaTeX display of the proof engine's values, and the paper notebook.

``paper_examples/one_third_rule.ipynb`` is executed with nbclient in a ``python3`` kernel that runs
this interpreter (a kernelspec written to a temporary ``JUPYTER_PATH``); any cell error fails the
test. The test skips only if the kernel itself cannot start in this environment.
"""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from hoverify.engine.notebook import Formula, show_vcs
from hoverify.engine.results import Counterexample, ModelReport, Status, VCResult
from hoverify.engine.vcgen import VCKind
from logic.sorts import INT
from logic.terms import Eq, IntConst, Var

ROOT = Path(__file__).resolve().parent.parent
PAPER = ROOT / "paper_examples"
NOTEBOOK = PAPER / "one_third_rule.ipynb"


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the user's result cache (nor Jupyter's and IPython's own folders)."""
    monkeypatch.setenv("HOVERIFY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "jupyter-runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))


def _result(name: str = "invariant[0] Exchange", status: Status = Status.PROVED,
            **kw: object) -> VCResult:
    fields: dict[str, object] = dict(
        name=name, kind=VCKind.CONSECUTION, status=status, seconds=1.25, backend="z3",
        file="models/otr.py", target="invariant[0]", target_line=48, round_name="Exchange",
        round_line=34)
    fields.update(kw)
    return VCResult(**fields)  # type: ignore[arg-type]


def _refuted() -> VCResult:
    cex = Counterexample("OTR: counterexample\n  x(p0) = 1 < 2 & <b>not bold</b>\n",
                         {"n": 2})
    return _result("agreement <alone>", Status.REFUTED, counterexample=cex)


# ---- _repr_html_ -----------------------------------------------------------------------------

def test_vcresult_html_shows_name_verdict_time_backend() -> None:
    html = _result()._repr_html_()
    assert html.startswith("<table")
    assert "invariant[0] Exchange" in html
    assert "proved" in html and "1.25" in html and "z3" in html
    assert "<pre" not in html  # no counterexample block for a proved VC


def test_unknown_result_shows_its_reason_escaped() -> None:
    html = _result(status=Status.UNKNOWN, reason="timeout after 5 s: |S| < 2n/3")._repr_html_()
    assert "unknown" in html
    assert "timeout after 5 s: |S| &lt; 2n/3" in html
    assert "|S| < 2n/3" not in html


def test_refuted_result_shows_escaped_counterexample_in_pre() -> None:
    r = _refuted()
    html = r._repr_html_()
    assert "not inductive" in html  # the wording of a refuted consecution VC
    assert "<pre" in html
    block = html[html.index("<pre"):html.index("</pre>")]
    assert "x(p0) = 1 &lt; 2 &amp; &lt;b&gt;not bold&lt;/b&gt;" in block
    assert "<b>not bold</b>" not in html
    assert "agreement &lt;alone&gt;" in html and "agreement <alone>" not in html


def test_model_report_html_lists_every_vc() -> None:
    results = (_result("invariant[0] initiation", kind=VCKind.INITIATION, round_name=None,
                       round_line=None),
               _result(status=Status.UNKNOWN, reason="the solver gave up"),
               _refuted())
    report = ModelReport("models/otr.py", "OneThirdRule", results, 3.5)
    html = report._repr_html_()
    for name in ("invariant[0] initiation", "invariant[0] Exchange", "agreement &lt;alone&gt;"):
        assert name in html
    assert "OneThirdRule" in html and "3 VCs" in html
    assert "1 proved" in html and "1 unknown" in html and "1 refuted" in html
    assert html.count("<pre") == 1
    assert "the solver gave up" in html


def test_model_report_html_shows_an_input_error() -> None:
    report = ModelReport("bad.py", "<none>", (), 0.0, error="bad.py:3: error: <syntax>")
    html = report._repr_html_()
    assert "bad.py:3: error: &lt;syntax&gt;" in html


# ---- formulas --------------------------------------------------------------------------------

def test_formula_repr_latex() -> None:
    f = Formula(Eq(Var("n", INT), IntConst(3)))
    latex = f._repr_latex_()
    assert latex == "$n = 3$"
    assert str(f) == "n = 3"
    assert "n = 3" in repr(f)


def test_show_vcs_lists_the_vcs_with_latex_goals() -> None:
    table = show_vcs(ROOT / "models" / "otr.py")
    assert table.names[:3] == ["invariant[0] initiation", "invariant[1] initiation",
                               "invariant[2] initiation"]
    assert "invariant[0] Exchange" in table.names and "agreement" in table.names
    assert {row.kind for row in table} >= {"initiation", "consecution", "property"}
    html = table._repr_html_()
    assert "\\frac{2n}{3}" in html and html.count("$") >= 2 * len(table)
    text = repr(table)
    assert "OneThirdRule" in text and "invariant[0] Exchange" in text
    first = table.rows[0].goal._repr_latex_()
    assert first.startswith("$") and first.endswith("$") and "\\frac{2n}{3}" in first


def test_notebook_module_imports_nothing_heavy() -> None:
    code = ("import sys, hoverify; before = set(sys.modules); "
            "import hoverify.engine.notebook; "
            "print(sorted(set(sys.modules) - before))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    new = out.strip()
    for heavy in ("sympy", "z3", "cvc5", "pysmt", "logic.", "hoverify.compiler",
                  "hoverify.engine.vcgen", "hoverify.engine.results"):
        assert f"'{heavy}" not in new, new


# ---- the paper notebook ----------------------------------------------------------------------

def _kernelspec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``python3`` kernelspec that runs this interpreter, found first on ``JUPYTER_PATH``.
    (The spec ipykernel installs says ``python``, which may be another interpreter on PATH.)"""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (hoverify tests)", "language": "python",
    }))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))


@pytest.mark.slow
def test_paper_notebook_runs_without_errors(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _kernelspec(tmp_path, monkeypatch)
    nb = nbformat.read(NOTEBOOK, as_version=4)  # type: ignore[no-untyped-call]
    client = NotebookClient(nb, kernel_name="python3", timeout=180, startup_timeout=90,
                            resources={"metadata": {"path": str(PAPER)}})
    client.reset_execution_trackers()
    with ExitStack() as stack:
        try:  # the kernel's start is the one thing allowed to skip this test
            stack.enter_context(client.setup_kernel())
        except Exception as e:  # noqa: BLE001 - whatever keeps a kernel from starting here
            pytest.skip(f"a Jupyter kernel cannot start in this environment: "
                        f"{type(e).__name__}: {e}")
        for index, cell in enumerate(nb.cells):  # as NotebookClient.execute does
            # raises CellExecutionError if the cell errors
            client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    assert "agreement before: True   after: False" in text  # the hand-made CTI, replayed
    assert "n/2 invariant before: True   after: False" in text
    assert "fails in an initial state" in text  # a false invariant, refuted with a confirmed cex
    # the seed paper's invariant is proved (through models/otr.py's round lemmas)
    assert "All VCs proved" in text and "Not (yet) proved by hoverify" not in text
    htmls = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("<pre" in h for h in htmls)  # a counterexample block is displayed
