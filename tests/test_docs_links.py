"""The documentation holds together: every relative link and image in README.md, docs/*.md and
the READMEs inside ganstudio/ points to a file that exists (and, with #anchor, to a heading of
it), and neither the docs nor the code narrate history ("session 5", "issue 16": that is what
git log is for)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "ganstudio").rglob("README.md"))]

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")  # [text](target) and ![alt](target "title")
FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"`[^`]*`")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # https:, mailto:, ...
HISTORY = re.compile(r"\b(session|issue)s? [0-9]+\b")  # the pattern of the before-stop hook


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) of the markdown `text`, outside fenced code blocks."""
    lines, in_fence = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            lines.append((number, line))
    return lines


def links(line: str) -> list[str]:
    """The targets of the links and images on a markdown line, code spans left out."""
    return LINK.findall(INLINE_CODE.sub("", line))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of the markdown file `path`, repeated headings numbered as GitHub does."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    for _, line in prose_lines(path.read_text(encoding="utf-8")):
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            base = slug(heading.group(1))
            count = seen.get(base, 0)
            found.add(base if count == 0 else f"{base}-{count}")
            seen[base] = count + 1
    return found


def broken_links(doc: Path, root: Path = ROOT) -> list[str]:
    """Each relative link of `doc` whose file or heading does not exist, as 'doc:line: target'
    with doc relative to `root`."""
    broken = []
    for number, line in prose_lines(doc.read_text(encoding="utf-8")):
        for target in links(line):
            if EXTERNAL.match(target):
                continue
            path_text, _, anchor = target.partition("#")
            path = (doc.parent / path_text).resolve() if path_text else doc
            where = f"{doc.relative_to(root)}:{number}: {target}"
            if not path.exists():
                broken.append(f"{where} (no such file)")
            elif anchor and (path.suffix != ".md" or anchor not in anchors(path)):
                broken.append(f"{where} (no such heading)")
    return broken


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(doc):
    assert broken_links(doc) == []


def test_the_documents_link_to_each_other():
    """The check above has something to check: the README links into docs/ and the engine."""
    targets = {t for _, line in prose_lines((ROOT / "README.md").read_text()) for t in links(line)}
    assert {"docs/DESIGN.md", "docs/cli.md", "ganstudio/engine/README.md", "docs/screenshot.png"} <= targets


def test_a_broken_link_and_a_missing_heading_are_found(tmp_path):
    (tmp_path / "other.md").write_text("# A `code` heading: yes\n\n## Twice\n\n## Twice\n")
    doc = tmp_path / "doc.md"
    doc.write_text(
        "[ok](other.md#a-code-heading-yes) [ok](other.md#twice-1) [web](https://example.org/x)\n"
        "[gone](missing.md) ![gone](img.png) [bad](other.md#nowhere)\n"
        "```\n[in code](missing.md)\n```\n`[inline](missing.md)`\n"
    )
    assert broken_links(doc, root=tmp_path) == [
        "doc.md:2: missing.md (no such file)",
        "doc.md:2: img.png (no such file)",
        "doc.md:2: other.md#nowhere (no such heading)",
    ]


def test_no_history_is_narrated_in_docs_or_code():
    files = [ROOT / "README.md", *(ROOT / "docs").rglob("*"), *(ROOT / "ganstudio").rglob("*")]
    narrated = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        if path.is_file() and "__pycache__" not in path.parts
        for number, line in enumerate(path.read_bytes().decode("utf-8", "ignore").splitlines(), start=1)
        if HISTORY.search(line)
    ]
    assert narrated == []
