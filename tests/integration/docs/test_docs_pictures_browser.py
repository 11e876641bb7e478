"""The docs' pictures render in headless Chromium at 1280 px: loaded, inside the content column,
legible, nothing clipped, no label outside its box.

The site is built once for the module (`mkdocs build --strict`, about 2 s). Screenshots go to
`$VTS_DOCS_SCREENSHOTS` when set (to look at them), else to a temporary folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
VIEWPORT = {"width": 1280, "height": 900}
MIN_FONT_PX = 9  # the smallest SVG text, as scaled onto the page

# page (site path) -> the picture it shows (site path)
PICTURES = {
    "index.html": "pipeline.svg",
    "concepts/architecture/index.html": "concepts/architecture-layers.svg",
    "concepts/images/index.html": "concepts/image-layers.svg",
    "concepts/runners/index.html": "concepts/batching.svg",
    "guides/deployment/index.html": "guides/deployment-rollout.svg",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("VTS_DOCS_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser(headless_chromium):
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(**headless_chromium)
        try:
            yield browser
        finally:
            browser.close()


# Inside the SVG document: every text within the viewBox; every label of a box or a segment
# inside its rectangle; no two labels overlapping; the smallest font size.
SVG_CHECKS = """() => {
  const svg = document.documentElement;
  const [, , W, H] = svg.getAttribute('viewBox').split(/\\s+/).map(Number);
  const problems = [];
  const texts = [...svg.querySelectorAll('text')];
  const box = (el) => el.getBBox();
  const inside = (a, b, tol) => a.x >= b.x - tol && a.y >= b.y - tol &&
    a.x + a.width <= b.x + b.width + tol && a.y + a.height <= b.y + b.height + tol;
  for (const t of texts) {
    if (!inside(box(t), {x: 0, y: 0, width: W, height: H}, 0.5)) problems.push('outside the picture: ' + t.textContent);
  }
  for (const g of svg.querySelectorAll('g.box, g.segment')) {
    const rect = g.querySelector('rect');
    for (const t of g.querySelectorAll('text')) {
      if (!inside(box(t), box(rect), 1)) problems.push('outside its box: ' + t.textContent);
    }
  }
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      const a = box(texts[i]), b = box(texts[j]);
      const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      if (w > 1 && h > 1) problems.push('overlap: ' + texts[i].textContent + ' / ' + texts[j].textContent);
    }
  }
  const sizes = texts.map((t) => parseFloat(getComputedStyle(t).fontSize));
  return {problems, width: W, minFont: Math.min(...sizes), texts: texts.length};
}"""

PAGE_CHECKS = """(src) => {
  const img = [...document.querySelectorAll('article img')].find((i) => i.getAttribute('src').endsWith(src));
  if (!img) return null;
  const r = img.getBoundingClientRect();
  const c = document.querySelector('article').getBoundingClientRect();
  return {loaded: img.complete && img.naturalWidth > 0, left: r.left, right: r.right, top: r.top,
          height: r.height, width: r.width, contentLeft: c.left, contentRight: c.right,
          scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth};
}"""


@pytest.mark.parametrize("page_path", list(PICTURES))
def test_picture_renders_whole_inside_the_page(site: Path, browser, shots: Path, page_path: str) -> None:
    picture = PICTURES[page_path]
    page = browser.new_page(viewport=VIEWPORT)
    # offline: the theme's repository badge asks api.github.com for stars; nothing else leaves
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
               else route.abort())
    try:
        page.goto((site / picture).as_uri())
        svg = page.evaluate(SVG_CHECKS)
        assert svg["texts"] > 3, picture
        assert svg["problems"] == [], (picture, svg["problems"])

        page.goto((site / page_path).as_uri(), wait_until="load")
        info = page.evaluate(PAGE_CHECKS, Path(picture).name)
        assert info is not None, f"{page_path} shows no {picture}"
        assert info["loaded"], f"{picture} did not load on {page_path}"
        assert info["contentLeft"] - 1 <= info["left"] and info["right"] <= info["contentRight"] + 1, info
        assert info["right"] <= VIEWPORT["width"] and info["height"] > 100, info
        assert info["scrollWidth"] <= info["clientWidth"], f"{page_path} scrolls sideways"
        scale = info["width"] / svg["width"]
        assert svg["minFont"] * scale >= MIN_FONT_PX, f"{picture}: text shrinks to {svg['minFont'] * scale:.1f} px"

        name = page_path.replace("/index.html", "").replace(".html", "").replace("/", "-")
        image = page.locator(f'article img[src$="{Path(picture).name}"]')
        image.scroll_into_view_if_needed()
        image.screenshot(path=str(shots / f"{name}-picture.png"))
        page.screenshot(path=str(shots / f"{name}-page.png"))
        assert _drawn_fraction(shots / f"{name}-picture.png") > 0.02, f"{picture} looks blank"
    finally:
        page.close()


def _drawn_fraction(png: Path) -> float:
    """The share of pixels that are not (nearly) white."""
    from PIL import Image

    with Image.open(png) as im:
        gray = im.convert("L")
        pixels = gray.width * gray.height
        return sum(count for value, count in enumerate(gray.histogram()) if value < 235) / pixels


def test_cli_reference_fits_the_page_and_has_examples_everywhere(site: Path, browser, shots: Path) -> None:
    page = browser.new_page(viewport=VIEWPORT)
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
               else route.abort())
    try:
        page.goto((site / "reference" / "cli" / "index.html").as_uri(), wait_until="load")
        info = page.evaluate("""() => {
          const heads = [...document.querySelectorAll('article h2, article h3, article h4')]
            .filter((h) => h.textContent.trim().startsWith('vtsserving'));
          const missing = heads.filter((h) => {
            for (let el = h.nextElementSibling; el && !/^H[234]$/.test(el.tagName); el = el.nextElementSibling) {
              if (el.textContent.trim() === 'Examples' && el.nextElementSibling?.querySelector('code')) return false;
            }
            return true;
          }).map((h) => h.textContent.trim());
          return {commands: heads.length, missing, scrollWidth: document.documentElement.scrollWidth,
                  clientWidth: document.documentElement.clientWidth};
        }""")
        page.screenshot(path=str(shots / "reference-cli-page.png"))
    finally:
        page.close()
    assert info["commands"] >= 20, info
    assert info["missing"] == [], f"commands without examples: {info['missing']}"
    assert info["scrollWidth"] <= info["clientWidth"], "the CLI reference scrolls sideways"
