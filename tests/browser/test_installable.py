"""On a phone's browser: the manifest the page links is found and read, the
service worker registers, and with the network gone a page shows the
friendly offline page; a form being sent says 正在提交… on its button.
A context of its own: the worker and the offline switch stay out of the
phone the other browser tests share."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..factories import make_service
from .conftest import _new_context


@pytest.fixture
def own_phone(browser, live_server):
    context = _new_context(browser, live_server)
    page = context.new_page()
    yield context, page
    context.close()


def test_manifest_is_found_and_the_worker_serves_the_offline_page(own_phone, settle):
    context, page = own_phone
    service = make_service(title="义务理发")
    settle()
    page.goto("/")
    manifest = page.evaluate("""async () => {
        const link = document.querySelector('link[rel=manifest]');
        const answer = await fetch(link.href);
        return {type: answer.headers.get('content-type'), body: await answer.json()};
    }""")
    assert manifest["type"].startswith("application/manifest+json")
    assert manifest["body"]["name"] == "网淘" and manifest["body"]["display"] == "standalone"
    scope = page.evaluate("""async () => {
        const registration = await navigator.serviceWorker.ready;
        return registration.scope;
    }""")
    assert scope == page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/"
    # The worker answers navigations once it controls the page.
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    page.goto(f"/services/{service.id}")
    expect(page.get_by_role("heading", name="网络好像断开了")).to_be_visible()
    expect(page.get_by_role("link", name="重试")).to_be_visible()
    # Back online, 重试 brings the page asked for.
    context.set_offline(False)
    page.get_by_role("link", name="重试").click()
    expect(page.get_by_role("heading", name="义务理发")).to_be_visible()


def test_a_form_being_sent_says_so_and_takes_no_second_press(browser, live_server):
    # No worker here: Playwright's routes see every request.
    context = _new_context(browser, live_server, service_workers="block")
    page = context.new_page()
    page.goto("/account/login")
    # A network that never answers: the form stays in flight.
    context.route("**/account/login", lambda route: None
                  if route.request.method == "POST" else route.continue_())
    page.get_by_label("用户名").fill("nobody")
    page.get_by_label("密码", exact=True).fill("wrong-password")
    # Read the button after app.js has marked it: a window listener runs
    # after app.js's document one, and its timer after app.js's.
    state = page.evaluate("""() => new Promise(resolve => {
        const button = document.querySelector('main form button[type=submit]');
        window.addEventListener('submit', () => setTimeout(() => resolve(
            {text: button.textContent.trim(), disabled: button.disabled,
             busy: button.getAttribute('aria-busy')}), 0));
        button.click();
    })""")
    assert state == {"text": "正在提交…", "disabled": True, "busy": "true"}
    context.close()
