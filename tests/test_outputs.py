"""The site shows what each example printed, refuses stale output, and folds pure checks into a box."""

from pathlib import Path

from tools.hooks import outputs

PAGE = """# A page

```python
print("MLP test accuracy: 0.978")
```

<!-- skip: next "needs a download" -->
```python
print("never run")
```

```python
x = 2
```

```pycon
>>> acc > 0.9, x == 2
(True, True)
```

```pycon
>>> x + 1
3
```
"""


def run_page(tmp_path: Path, first: str = 'print("MLP test accuracy: 0.978")') -> list[dict]:
    page = outputs.ROOT / "docs" / "zz_page.md"
    outputs.record(page, 3, first + "\n", "MLP test accuracy: 0.978\n", tmp_path)
    outputs.record(page, 13, "x = 2\n", "", tmp_path)
    return outputs.load("zz_page.md", tmp_path)


def test_output_is_shown_under_its_fence_and_checks_are_folded(tmp_path):
    problems = []
    claims = [{"source": "acc > 0.9, x == 2", "values": {"acc": 0.97812, "x": 2}}]
    robustness = {"claim_table": [{"source": "acc > 0.9, x == 2", "held": 10, "runs": 10}]}
    shown = outputs.show(PAGE, run_page(tmp_path), page_failed=False, claims=claims, robustness=robustness,
                         problem=problems.append)
    assert problems == []
    assert '```python\nprint("MLP test accuracy: 0.978")\n```\n\n```text title="Output"\nMLP test accuracy: 0.978\n```' \
        in shown
    assert shown.count('title="Output"') == 1  # the skipped fence and the silent one show nothing
    assert '??? success "Checked by the test suite: held in 10 of 10 robustness runs"' in shown
    assert "    >>> acc > 0.9, x == 2" in shown and "`acc` = 0.9781" in shown
    assert "```pycon\n>>> x + 1\n3\n```" in shown  # a result to read stays in view


def test_stale_output_is_refused(tmp_path):
    problems = []
    recorded = run_page(tmp_path, first='print("MLP test accuracy: 0.97")')  # the code has changed since
    shown = outputs.show(PAGE, recorded, page_failed=False, claims=[], robustness=None, problem=problems.append)
    assert len(problems) == 1 and "stale" in problems[0]
    assert 'title="Output"' not in shown


def test_rerun_drops_entries_of_an_older_run(tmp_path):
    page = outputs.ROOT / "docs" / "zz_page.md"
    outputs.record(page, 3, "a = 1\n", "old\n", tmp_path)
    outputs.record(page, 9, "b = 1\n", "old\n", tmp_path)
    outputs.record(page, 3, "a = 1\n", "new\n", tmp_path)
    assert [(e["line"], e["stdout"]) for e in outputs.load("zz_page.md", tmp_path)] == [(3, "new\n")]


def test_missing_output_is_a_problem_unless_the_page_failed(tmp_path):
    recorded = run_page(tmp_path)[:1]
    problems = []
    outputs.show(PAGE, recorded, page_failed=False, claims=[], robustness=None, problem=problems.append)
    assert len(problems) == 1 and "no recorded output" in problems[0]
    problems.clear()
    outputs.show(PAGE, recorded, page_failed=True, claims=[], robustness=None, problem=problems.append)
    assert problems == []


def test_is_check():
    assert outputs.is_check(">>> a > b\nTrue\n>>> c, d\n(True, False)\n")
    assert not outputs.is_check(">>> a\n0.97\n")
    assert not outputs.is_check(">>> f()\n")


def test_a_new_session_starts_the_page_afresh(tmp_path, monkeypatch):
    page = outputs.ROOT / "docs" / "zz_page.md"
    outputs.record(page, 41, "a = 1\n", "old\n", tmp_path)  # the fence sat at line 41 before an edit
    monkeypatch.setattr(outputs, "SESSION", "a later run")
    outputs.record(page, 45, "a = 1\n", "new\n", tmp_path)
    assert [(e["line"], e["stdout"]) for e in outputs.load("zz_page.md", tmp_path)] == [(45, "new\n")]


def test_printed_markdown_is_rendered_when_the_page_asks(tmp_path):
    page = "# A page\n\n<!-- output: markdown -->\n```python\nprint(card)\n```\n"
    outputs.record(outputs.ROOT / "docs" / "zz_card.md", 4, "print(card)\n", "# Model card\n\n- **data**: digits\n",
                   tmp_path)
    shown = outputs.show(page, outputs.load("zz_card.md", tmp_path), page_failed=False, claims=[],
                         robustness=None, problem=lambda message: None)
    assert '???+ abstract "Output, rendered as Markdown"\n\n    **Model card**\n\n    - **data**: digits' in shown
    assert 'title="Output"' not in shown  # rendered instead of shown as text
