"""Signing in and up, protected pages, and direct messages in the browser."""
import re
import uuid

from playwright.sync_api import expect

from testkit.auth import DEMO_PASSWORD


def test_signed_out_visit_to_notifications_redirects_to_sign_in(page):
    page.goto("/notifications")
    expect(page).to_have_url(re.compile(r"/signin$"))
    expect(page.get_by_role("heading", name="Sign into your Cruddur account")).to_be_visible()

    page.get_by_label("Handle or email").fill("andrewbrown")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/notifications$"))
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    expect(page.locator(".activity-feed > .activity-item").first).to_be_visible()


def test_wrong_password_is_refused(page):
    page.goto("/signin")
    page.get_by_label("Handle or email").fill("andrewbrown")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("[data-code='invalid_credentials']")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/signin$"))


def test_sign_up_then_post(page):
    handle = f"e2e{uuid.uuid4().hex[:8]}"
    page.goto("/signup")
    page.get_by_label("Name").fill("E2E Tester")
    page.get_by_label("Email").fill(f"{handle}@example.com")
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Password").fill("a-long-enough-password")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("Welcome to Cruddur, E2E Tester!")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_text(f"@{handle}")).to_be_visible()

    page.goto(f"/@{handle}")
    expect(page.get_by_text("0 cruds")).to_be_visible()


def test_open_the_andrewbrown_bayko_conversation_and_send_a_message(page, sign_in_browser):
    sign_in_browser("andrewbrown")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Messages").click()
    conversation = page.get_by_role("region", name="Conversations").get_by_role("link", name=re.compile("@bayko"))
    conversation.click()
    expect(page).to_have_url(re.compile(r"/messages/[0-9a-f-]{36}$"))
    messages = page.get_by_role("list", name="Messages")
    expect(messages.get_by_text("Great, let's demo it on Thursday.")).to_be_visible()

    text = f"See you at the demo {uuid.uuid4().hex[:6]}"
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_role("button", name="Send").click()
    expect(messages.locator(".message-item").last).to_contain_text(text)
    expect(conversation).to_contain_text(text)

    page.reload()
    expect(page.get_by_role("list", name="Messages").locator(".message-item").last).to_contain_text(text)


def test_start_a_conversation_from_a_profile(page, sign_in_browser):
    sign_in_browser("andrewbrown")
    page.goto("/@worf")
    page.get_by_role("link", name="Message", exact=True).click()
    expect(page).to_have_url(re.compile(r"/messages/new/worf$"))
    text = f"Qapla' {uuid.uuid4().hex[:6]}"
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(r"/messages/[0-9a-f-]{36}$"))
    expect(page.get_by_role("list", name="Messages").get_by_text(text)).to_be_visible()
    conversations = page.get_by_role("region", name="Conversations")
    expect(conversations.get_by_role("link", name=re.compile("@worf"))).to_be_visible()
