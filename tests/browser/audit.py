"""What the browser tests check on any page: an axe-core audit, and that it fits its width.

A violation of impact "serious" or "critical" is a problem; each is reported with
its rule id, impact, help text and the elements concerned, so that it can be fixed
without re-running anything. At any width the page must not scroll sideways; on a
phone, no box (such as a table wrapper) may cut its content off or scroll it
sideways either. (On a desktop a wide table may scroll inside its wrapper, which
then has to be reachable by keyboard: axe checks that.)

axe is injected with `page.evaluate`, which runs through the DevTools protocol
and so is not blocked by the site's Content-Security-Policy.
"""

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import BrowserContext, Page

FAILING_IMPACTS = {"serious", "critical"}
PHONE_WIDTH = 360
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": PHONE_WIDTH, "height": 740}
#: The axe rules whose outcome depends on the layout, not only on the document: text
#: over its background, and boxes that scroll (which the keyboard must reach).
LAYOUT_RULES = ("color-contrast", "scrollable-region-focusable")
#: Boxes whose content is wider than they are and so is cut off or scrolls sideways
#: inside them (as a wide table in an `overflow-x: auto` wrapper does). Form fields,
#: which scroll long values by design, and visually hidden text are left out.
CLIPPED_BOXES = """() => [...document.querySelectorAll("body *")]
    .filter((el) => !el.matches("input, select, textarea") && el.clientWidth > 1)
    .filter((el) => ["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(el).overflowX))
    .filter((el) => el.scrollWidth > el.clientWidth + 1)
    .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`
        + ` (${el.scrollWidth}px of content in ${el.clientWidth}px)`)"""

#: Words that a line break splits ("Inscripció" / "n"): a box too narrow for its
#: words, or text allowed to break anywhere where it need not. Only words of Latin
#: letters between spaces (and punctuation) are looked at: an email address, a link
#: or a code may break where it must, and Chinese between any two characters.
BROKEN_WORDS = """() => {
    const broken = [];
    const word = /(?<!\\S)\\p{P}*(\\p{Script=Latin}{2,})\\p{P}*(?!\\S)/gu;
    const range = document.createRange();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const element = node.parentElement;
        if (!element.checkVisibility()) continue;
        for (const match of node.data.matchAll(word)) {
            const start = match.index + match[0].indexOf(match[1]);
            range.setStart(node, start);
            range.setEnd(node, start + match[1].length);
            const lines = new Set([...range.getClientRects()].map((box) => Math.round(box.top)));
            if (lines.size > 1) {
                broken.push(`"${match[1]}" in ${element.tagName.toLowerCase()}.`
                    + [...element.classList].join("."));
            }
        }
    }
    return broken;
}"""


def preload_axe(context: BrowserContext) -> None:
    """Have axe in every document the context opens, before its own scripts: cheaper
    than injecting it into each page afterwards, for a test that audits every page."""
    context.add_init_script(AXE_SCRIPT)


def axe_problems(page: Page, name: str, rules: tuple[str, ...] = ()) -> list[str]:
    """The serious and critical axe violations of the page as it is now, one entry each;
    of the given rules only, when any are given.

    axe is injected once per document (unless preloaded), so a page audited at two
    widths loads it once.
    """
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": list(rules)}
    results = page.evaluate("(options) => axe.run(document, options)", options)
    problems = []
    for violation in results["violations"]:
        if violation["impact"] not in FAILING_IMPACTS:
            continue
        lines = [
            f"{name}: {violation['id']} ({violation['impact']}): {violation['help']}",
            f"    {violation['helpUrl']}",
        ]
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    - {target}")
            summary = node.get("failureSummary")
            if summary:
                lines.extend(f"        {line}" for line in summary.splitlines())
        problems.append("\n".join(lines))
    return problems


def fit_problems(page: Page, name: str) -> list[str]:
    """What does not fit the page's current width: the page itself, on a phone any box,
    and any word too long for the box it is in."""
    viewport = page.viewport_size["width"]
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > viewport:
        problems.append(
            f"{name}: scrolls sideways at {viewport}px wide (the page is {width}px wide)"
        )
    if viewport <= PHONE_WIDTH:
        for box in page.evaluate(CLIPPED_BOXES):
            problems.append(f"{name}: content is cut off or scrolls sideways in {box}")
    for word in page.evaluate(BROKEN_WORDS):
        problems.append(f"{name}: a word is broken across lines: {word}")
    return problems


class Audit:
    """Audits page after page and gathers every problem into one report."""

    def __init__(self, page: Page):
        self.page = page
        self.problems: list[str] = []

    def visit(self, path: str, status: int = 200) -> None:
        response = self.page.goto(path)
        assert response is not None
        assert response.status == status, f"{path} answered {response.status}, not {status}"
        self.check(path)

    def check(self, name: str) -> None:
        """Audit the page as it is now, under `name` in the report."""
        self.problems += axe_problems(self.page, name)
        self.problems += fit_problems(self.page, name)

    def assert_clean(self) -> None:
        report = "\n\n".join(self.problems)
        assert not self.problems, f"{len(self.problems)} problem(s):\n\n{report}"
