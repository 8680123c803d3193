"""What the page checks measure in the browser: axe-core's serious and
critical violations, text smaller than 16 px, touch targets smaller than
44 × 44 px; in elder mode (长辈模式) text under 20 px and buttons and form
controls under 56 px high. Each returns a list of findings, empty when the
page passes."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

AXE = Axe()  # axe.min.js as shipped in the package, injected into the page
MIN_TEXT_PX = 16
MIN_TARGET_PX = 44
ELDER_TEXT_PX = 20
ELDER_BUTTON_PX = 56

# Small print allowed under 16 px, each with its reason (a CSS selector the
# element matches, or sits inside).
SMALL_PRINT = {
    ".visually-hidden, .visually-hidden-focusable":
        "read by screen readers only, or shown large on keyboard focus",
}
# Targets allowed under 44 px, each with its reason.
SMALL_TARGETS = {
    ".visually-hidden-focusable": "the skip link: off screen until focused, then full width",
}


def axe_findings(page: Page) -> list[str]:
    results = AXE.run(page, options={"resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                        for n in v["nodes"][:5])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


# Elements that hold text of their own (a text node child), shown on screen.
_TEXT_SIZES = """([minPx, allowed]) => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || seen.has(el) || el.closest('script,style,noscript'))
      continue;
    seen.add(el);
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden' || !el.checkVisibility())
      continue;
    if (allowed && el.closest(allowed)) continue;
    const size = parseFloat(style.fontSize);
    if (size < minPx - 0.01)
      out.push(`${size.toFixed(1)}px <${el.tagName.toLowerCase()} class="${el.className}">`
               + ` ${node.textContent.trim().slice(0, 30)}`);
  }
  return out;
}"""

# Buttons, links, form controls; a link inside a sentence is excepted
# (WCAG 2.5.8's inline exception), a checkbox or radio counts with its
# label, a stretched link with the card it stretches over.
_TARGETS = """([minPx, allowed]) => {
  const out = [];
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
                   + 'label.btn';
  const union = (a, b) => {
    const left = Math.min(a.left, b.left), top = Math.min(a.top, b.top);
    return {width: Math.max(a.right, b.right) - left, height: Math.max(a.bottom, b.bottom) - top};
  };
  const inSentence = (el) => {
    if (getComputedStyle(el).display !== 'inline') return false;
    const block = el.parentElement.closest('p, li, td, div, span, small, label');
    return block && block.textContent.trim().length > el.textContent.trim().length + 1;
  };
  for (const el of document.querySelectorAll(selector)) {
    if (!el.checkVisibility() || (allowed && el.closest(allowed))) continue;
    let box = el.getBoundingClientRect();
    if (!box.width && !box.height) continue;
    if (el.matches('input[type=checkbox], input[type=radio]')) {
      for (const label of el.labels) box = union(box, label.getBoundingClientRect());
      if (el.classList.contains('btn-check')) continue;  // its label.btn is the target
    } else if (el.classList.contains('stretched-link')) {
      box = el.closest('.card, .position-relative').getBoundingClientRect();
    } else if (el.tagName === 'A' && inSentence(el)) {
      continue;
    }
    if (box.width < minPx - 0.5 || box.height < minPx - 0.5)
      out.push(`${Math.round(box.width)}×${Math.round(box.height)} <${el.tagName.toLowerCase()}`
               + ` class="${el.className}"> `
               + (el.textContent || el.name || '').trim().slice(0, 30));
  }
  return out;
}"""


# Buttons and the controls one fills in: their height (elder mode's 56 px).
_BUTTONS = """(minPx) => {
  const out = [];
  const selector = 'button, .btn, input:not([type=hidden]):not([type=checkbox])'
                   + ':not([type=radio]):not(.btn-check), select';
  for (const el of document.querySelectorAll(selector)) {
    if (!el.checkVisibility() || el.closest('.visually-hidden-focusable')) continue;
    const box = el.getBoundingClientRect();
    if ((box.width || box.height) && box.height < minPx - 0.5)
      out.push(`${Math.round(box.height)} px high <${el.tagName.toLowerCase()}`
               + ` class="${el.className}"> `
               + (el.textContent || el.name || '').trim().slice(0, 30));
  }
  return out;
}"""


def small_text(page: Page, min_px: float = MIN_TEXT_PX) -> list[str]:
    return page.evaluate(_TEXT_SIZES, [min_px, ", ".join(SMALL_PRINT)])


def low_buttons(page: Page, min_px: float = ELDER_BUTTON_PX) -> list[str]:
    return page.evaluate(_BUTTONS, min_px)


def small_targets(page: Page) -> list[str]:
    return page.evaluate(_TARGETS, [MIN_TARGET_PX, ", ".join(SMALL_TARGETS)])
