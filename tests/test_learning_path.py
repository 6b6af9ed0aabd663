"""The home page's learning path lists every teaching page of the navigation, each once."""

import re

from tests.sybil_pages import ROOT

NOT_TEACHING = {"index.md", "projects/index.md", "reference/index.md", "verification.md", "coverage.md",
                "reference/glossary.md", "reference/further-reading.md"}  # reference pages, not lessons


def nav_pages() -> list[str]:
    nav = (ROOT / "mkdocs.yml").read_text().split("\nnav:\n", 1)[1]
    return [m for m in re.findall(r":\s*([\w./-]+\.(?:md|py))\b", nav) if m not in NOT_TEACHING]


def learning_path_links() -> list[str]:
    home = (ROOT / "docs" / "index.md").read_text()
    path = home.split("## Learning path", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"\]\(([^)#]+\.(?:md|py))\)", path)


def test_learning_path_covers_every_teaching_page():
    links = learning_path_links()
    assert sorted(set(nav_pages()) - set(links)) == [], "pages missing from the learning path on docs/index.md"
    assert sorted(set(links) - set(nav_pages())) == [], "learning-path links to pages not in the navigation"
    assert len(links) == len(set(links)), "a page listed twice"


def test_every_teaching_page_opens_with_before_you_start_and_ends_with_exercises():
    problems = []
    for page in nav_pages():
        if not page.endswith(".md"):
            continue  # project notebooks have their own structure
        text = (ROOT / "docs" / page).read_text()
        if '!!! abstract "Before you start"' not in text:
            problems.append(f"{page}: no 'Before you start' box")
        exercises = text.split("\n## Exercises\n", 1)
        if len(exercises) < 2 or exercises[1].count('??? success "Solution"') < 2:
            problems.append(f"{page}: no '## Exercises' section with at least two solutions")
    assert not problems, "\n".join(problems)


def test_all_pages_at_a_glance_lists_every_page():
    home = (ROOT / "docs" / "index.md").read_text()
    glance = home.split("## All pages at a glance", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| \[[^\]]+\]\(([^)#]+\.(?:md|py))\)", glance, re.M)
    assert sorted(set(nav_pages()) - set(listed)) == [], "pages missing from 'All pages at a glance'"
