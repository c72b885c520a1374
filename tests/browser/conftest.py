"""Browser tests: Debian's Chromium (/usr/bin/chromium) driven by Playwright, never a downloaded
browser. Screenshots go to test-artifacts/ (gitignored)."""
from __future__ import annotations

import os
import pathlib

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = pathlib.Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = pathlib.Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser():
    if not (AXE.parent.parent / "socket.io-client").is_dir():
        pytest.skip("web/node_modules missing: the setup step `npm ci --prefix web` has not run")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} missing: run `scripts/setup.sh browser` (Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> pathlib.Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def axe_check():
    """Run axe-core (from web/node_modules, served locally) on ``page``; return serious/critical violations."""
    if not AXE.is_file():
        pytest.skip("web/node_modules missing: the setup step `npm ci --prefix web` has not run")

    def check(page, include: str | None = None) -> list[dict]:
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = page.evaluate("""async (include) => {
            const r = await axe.run(include ? {include: [include]} : document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }""", include)
        return [v for v in result if v["impact"] in ("serious", "critical")]

    return check
