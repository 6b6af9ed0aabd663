"""Claims report their numbers (tests/claims.py); the seed shift moves every seed a page uses (tests/seed_shift.py)."""

from __future__ import annotations

import doctest
import math
import random
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from tests import claims, seed_shift
from tests.sybil_pages import ROOT


def run_asserts(code: str, namespace: dict | None = None) -> tuple[dict, claims.ClaimLog]:
    log = claims.ClaimLog()
    namespace = {} if namespace is None else namespace
    claims.install(namespace, log)
    exec(claims.compile_with_claims(textwrap.dedent(code), "snippet.py", log), namespace)
    return namespace, log


def test_a_failing_assert_names_its_values_and_keeps_its_message() -> None:
    with pytest.raises(AssertionError) as raised:
        run_asserts("""
            val = [0.5, 0.3, 0.412]
            assert val[-1] > 1.4 * min(val), "validation loss climbs again"
        """)
    message = str(raised.value)
    assert message.splitlines()[0] == "snippet.py:3: val[-1] > 1.4 * min(val) -> 0.412 > 0.42 is False"
    assert message.splitlines()[1] == "validation loss climbs again"


def test_asserts_record_values_and_relative_margins() -> None:
    _, log = run_asserts("""
        import math
        a, b = 0.9, 0.6
        assert a > b and b < 1
        assert 0 < b < a < 1
        assert math.isclose(40.0, 40.00001, rel_tol=1e-6)
        for x in (3, 1, 2):
            assert x >= 1
    """)
    recorded = {c["line"]: c for c in log.drain()}
    assert recorded[4]["held"] and recorded[4]["values"] == {"a": 0.9, "b": 0.6}
    assert math.isclose(recorded[4]["margin"], 0.4)  # the smaller of a > b: (0.9 - 0.6) / 0.6, b < 1: (1 - 0.6) / 1
    assert math.isclose(recorded[5]["margin"], min(0.6 / 0.6, (0.9 - 0.6) / 0.9, (1 - 0.9) / 1), rel_tol=1e-6)
    # |a - b| = 1e-5 against a tolerance of 1e-6 * 40.00001: three quarters of the tolerance is left
    assert math.isclose(recorded[6]["margin"], (4.000001e-5 - 1e-5) / 4.000001e-5, rel_tol=1e-4)
    assert recorded[8]["count"] == 3 and recorded[8]["margin"] == 0.0  # a claim in a loop keeps its weakest run


def test_short_circuit_and_evaluation_order_are_pythons() -> None:
    calls = []

    def seen(name: str, value: float) -> float:
        calls.append(name)
        return value

    namespace, log = run_asserts("""
        assert seen("a", 1) > seen("b", 2) or seen("c", 3) > seen("d", 0)
        assert seen("e", 0) and seen("never", 1)  or True
    """, {"seen": seen})
    assert calls == ["a", "b", "c", "d", "e"]
    assert all(c["held"] for c in log.drain())


def test_asserts_inside_functions_and_class_bodies_still_work() -> None:
    namespace, log = run_asserts("""
        def check(values):
            total = sum(values)
            assert total == 6, f"sum is {total}"
            return total

        class Config:
            size = 3
            assert size == 3  # a class body: left as Python wrote it

        check([1, 2, 3])
    """)
    assert namespace["check"]([1, 2, 3]) == 6
    with pytest.raises(AssertionError, match="sum is 5"):
        namespace["check"]([1, 4, 0])


def test_a_multi_element_tensor_in_an_assert_raises_as_python_would() -> None:
    with pytest.raises(RuntimeError, match="ambiguous"):
        run_asserts("import torch\nassert torch.tensor([1.0, 2.0]) > 0\n")


def test_torch_allclose_margin_is_the_worst_element() -> None:
    _, log = run_asserts("""
        import torch
        a = torch.tensor([1.0, 100.0])
        assert torch.allclose(a, a * (1 + 5e-6), rtol=1e-5, atol=0.0)
    """)
    (claim,) = log.drain()
    assert claim["held"] and 0.45 < claim["margin"] < 0.55


def run_pycon(text: str, namespace: dict) -> tuple[str, list[dict]]:
    log = claims.ClaimLog()
    test = doctest.DocTestParser().get_doctest(textwrap.dedent(text), namespace, "page.md", "page.md", 9)
    out: list[str] = []
    runner = claims.ClaimRunner(optionflags=doctest.ELLIPSIS, file="docs/page.md", first_line=10, log=log)
    runner.run(test, out=out.append, clear_globs=False)
    return "".join(out), log.drain()


def test_a_failing_true_claim_shows_its_values() -> None:
    report, recorded = run_pycon("""
        >>> large = {"val": [0.5, 0.3, 0.412]}
        >>> large["val"][-1] > 1.4 * min(large["val"])   # climbs again
        True
        >>> len(large["val"])
        3
    """, {})
    assert report.startswith('Claim failed: page.md:12: large["val"][-1] > 1.4 * min(large["val"]) '
                             "-> 0.412 > 0.42 is False")
    first, second = recorded
    assert (first["line"], first["kind"], first["held"]) == (12, "true", False)
    assert first["source"] == 'large["val"][-1] > 1.4 * min(large["val"])'  # without the comment
    assert first["values"] == {'large["val"][-1]': 0.412, '1.4 * min(large["val"])': pytest.approx(0.42)}
    assert (second["kind"], second["held"]) == ("output", True)


def test_a_true_claim_that_trains_is_never_run_twice() -> None:
    runs = []

    def fit() -> float:
        runs.append(1)
        return 0.9

    report, (claim,) = run_pycon("""
        >>> fit() > 0.95
        True
    """, {"fit": fit})
    assert runs == [1]
    assert not claim["held"] and "operands not re-evaluated: calls fit" in claim["explanation"]
    assert "Claim failed: page.md:11: fit() > 0.95 -> False" in report


def test_sklearn_metrics_count_as_pure() -> None:
    from sklearn.metrics import mean_absolute_error

    _, (claim,) = run_pycon("""
        >>> abs(mae - mean_absolute_error([0.0, 40.0], [0.0, 40.00001])) < 1e-6
        True
    """, {"mae": 5e-6, "mean_absolute_error": mean_absolute_error})
    assert claim["held"] and claim["margin"] > 0.9  # re-evaluated: sklearn.metrics functions have no side effects
    assert list(claim["values"]) == ["abs(mae - mean_absolute_error([0.0, 40.0], [0.0, 40.00001]))"]


# ----------------------------------------------------------------------------------------------------------------
# The seed shift


@pytest.fixture
def shifted():
    seed_shift.set_offset(3)
    seed_shift.install()
    yield
    seed_shift.uninstall()
    seed_shift.set_offset(seed_shift.offset_from_env())
    seed_shift.install()


def test_every_seed_moves_by_the_offset(shifted: None) -> None:
    from sklearn.model_selection import train_test_split

    def draws(seed: int) -> tuple:
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        return (random.random(), np.random.rand(), torch.rand(1).item(), np.random.default_rng(seed).random(),
                torch.rand(1, generator=torch.Generator().manual_seed(seed)).item(), random.Random(seed).random(),
                tuple(train_test_split(list(range(20)), test_size=5, random_state=seed)[1]))

    moved = draws(0)
    seed_shift.uninstall()
    assert moved == draws(3) and moved != draws(0)
    seed_shift.install()


def test_objects_made_before_the_shift_keep_their_type(shifted: None) -> None:
    assert isinstance(np.random.mtrand._rand, np.random.RandomState)
    assert isinstance(torch.default_generator, torch.Generator)
    assert isinstance(random._inst, random.Random)
    assert issubclass(np.random.RandomState, np.random.mtrand.RandomState)


def test_offset_zero_changes_nothing() -> None:
    code = "import torch; torch.manual_seed(0); print(torch.rand(1).item())"
    env_plain = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    wrapped = "import tests.seed_shift; " + code
    env = {"DLKIT_SEED_OFFSET": "0", "PATH": ""}
    shifted_zero = subprocess.run([sys.executable, "-c", wrapped], capture_output=True, text=True, check=True,
                                  env=env, cwd=ROOT).stdout
    assert shifted_zero == env_plain


def test_a_bad_offset_names_what_was_expected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLKIT_SEED_OFFSET", "-2")
    with pytest.raises(ValueError, match="Expected DLKIT_SEED_OFFSET to be a non-negative integer, but got -2"):
        seed_shift.offset_from_env()
