"""The project's own documents stand alone: a clone of the repository has no `../shared/`."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_document_points_outside_the_repository() -> None:
    documents = [ROOT / "README.md", ROOT / ".env.example", *ROOT.glob("docs/*.md")]
    documents.append(ROOT / "deploy" / "README.md")
    for document in documents:
        assert "../shared" not in document.read_text(encoding="utf-8"), document.name


def test_the_readme_opens_with_the_two_commands() -> None:
    """The first two code blocks: one runs the bot, one runs the tests (what CI runs too)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = readme.split("```bash\n")[1:3]
    run, test = (block.split("```")[0].strip() for block in blocks)
    assert run.endswith("python -m bot")
    assert "pytest" in test and "ruff check" in test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test.replace("python3 -m venv .venv && ", "") in ci.replace("\n", " ")
