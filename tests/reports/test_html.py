"""The HTML report: one self-contained page, every value escaped, nothing fetched."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

import pytest

from secpipe._findings import Finding, GateRun, GateStatus, Report
from secpipe.reports import HtmlReporter

# Every tag the page may use; anything else (script, img, link, iframe…) means a leak or an asset.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "code", "table", "thead",
    "tbody", "tr", "th", "td", "span", "pre", "strong", "ul", "li",
}  # fmt: skip
# Attributes that could fetch or run something.
FORBIDDEN_ATTRIBUTES = {"src", "href", "srcset", "action", "style"}


class _PageChecker(HTMLParser):
    """Collects what a browser would see as markup, and checks tags are balanced."""

    VOID = frozenset({"meta", "img", "br", "hr", "link", "input"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.open: list[str] = []
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"unbalanced </{tag}>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_page(page: str) -> list[str]:
    """Every way ``page`` falls short of a self-contained, escaped page; empty when it is fine."""
    checker = _PageChecker()
    checker.feed(page)
    checker.close()
    problems = list(checker.problems)
    if checker.open:
        problems.append(f"unclosed {checker.open}")
    problems += [f"tag <{tag}>" for tag in sorted(checker.tags - ALLOWED_TAGS)]
    problems += [f"attribute {a}" for a in sorted(checker.attributes & FORBIDDEN_ATTRIBUTES)]
    if "url(" in page or "@import" in page:
        problems.append("the style fetches something")
    return problems


HOSTILE = "<script>alert(\"x\")</script><img src=x onerror=alert(1)> & 'quoted'"


@pytest.fixture
def hostile_report(
    report_factory: Callable[..., Report], finding_factory: Callable[..., Finding]
) -> Report:
    """Every user-controlled field carries markup."""
    finding = finding_factory(
        fingerprint=HOSTILE, rule_id=HOSTILE, title=HOSTILE, message=HOSTILE, path=HOSTILE
    )
    gate = GateRun(name=HOSTILE, stage=HOSTILE, status=GateStatus.ERROR, findings=1, error=HOSTILE)
    return report_factory(
        pipeline=HOSTILE, root=HOSTILE, gates=(gate,), findings=(finding,), warnings=(HOSTILE,)
    )


def test_sample_page_is_self_contained(report: Report) -> None:
    page = HtmlReporter().render(report)

    assert page.startswith("<!DOCTYPE html>")
    assert check_page(page) == []


def test_every_value_is_escaped(hostile_report: Report) -> None:
    page = HtmlReporter().render(hostile_report)

    assert check_page(page) == []
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_the_checker_catches_a_broken_copy(report: Report) -> None:
    page = HtmlReporter().render(report)

    assert check_page(page.replace("</body>", "<script>x()</script></body>")) == ["tag <script>"]
    assert check_page(page.replace("<h2>Gates</h2>", '<h2><img src="x.png"></h2>')) == [
        "tag <img>",
        "attribute src",
    ]
    assert check_page(page.replace("</style>", "body{background:url(x.png)}</style>")) == [
        "the style fetches something"
    ]
    unbalanced = check_page(page.replace("</h1>", ""))
    assert unbalanced[0].startswith("unbalanced")


def test_page_tells_the_outcome_and_lists_every_finding(report: Report) -> None:
    page = HtmlReporter().render(report)

    assert "secpipe: FAILED (python-service)" in page
    assert "Exit code 1." in page
    assert page.count("<tr>") == 1 + len(report.gates) + 1 + len(report.findings)
    assert "trufflehog: trufflehog exited with code 2" in page
    assert "no-new-high: 2 new findings at high severity or worse (2 findings)" in page
    assert "checkov found no files to scan" in page


def test_empty_run(report_factory: Callable[..., Report]) -> None:
    page = HtmlReporter().render(
        report_factory(gates=(), findings=(), violations=(), warnings=(), passed=True, exit_code=0)
    )

    assert check_page(page) == []
    assert "secpipe: PASSED" in page
    assert "No gates ran." in page
    assert "No findings." in page
