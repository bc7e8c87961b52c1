"""Posting, reading, replying and validation, as a person does it in the browser."""
import re
from pathlib import Path

from playwright.sync_api import expect

from cruddur.seed import CRUDS
from cruddur.validation import CRUD_MAX

from .actions import first_message, post_crud, unique


def test_readme_screenshot_shows_the_seeded_demo_data_only(home_screenshot):
    seeded = {message for _, message, *_ in CRUDS} | {reply for *_, replies in CRUDS for _, reply in replies}
    assert home_screenshot["messages"], "the feed was empty"
    assert set(home_screenshot["messages"]) <= seeded, home_screenshot["messages"]
    assert "This crud has expired and must never be seen." not in home_screenshot["messages"]
    assert home_screenshot["errors"] == []
    assert Path(home_screenshot["path"]).read_bytes().startswith(b"\x89PNG")


def test_signed_in_crud_appears_first_on_home_and_on_the_profile(page, sign_in_browser):
    sign_in_browser("andrewbrown")
    message = unique("Hello from the browser")
    form = post_crud(page, message)
    expect(form.get_by_label("Crud")).to_have_value("")
    expect(first_message(page)).to_have_text(message)

    page.reload()  # from the server this time, not the optimistic insert
    expect(first_message(page)).to_have_text(message)
    first = page.locator(".activity-feed > .activity-item").first
    expect(first.locator(".expires").first).to_have_text(re.compile(r"expires in (23h|1d)"))
    expect(first.locator("time").first).to_have_text(re.compile(r"^(now|\d+s)$"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Profile").click()
    expect(page).to_have_url(re.compile(r"/@andrewbrown$"))
    expect(page.get_by_role("heading", name="Andrew Brown", level=1)).to_be_visible()
    expect(first_message(page)).to_have_text(message)


def test_reply_changes_the_count(page, sign_in_browser):
    sign_in_browser("andrewbrown")
    message = unique("Reply to me")
    post_crud(page, message)
    item = page.locator(".activity-feed > .activity-item").filter(has_text=message)
    count = item.get_by_test_id("replies-count").first
    expect(count).to_have_text("0")

    item.locator(".activity-main .time").click()  # the status page of that crud
    expect(page).to_have_url(re.compile(r"/@andrewbrown/status/[0-9a-f-]{36}$"))
    parent = page.locator("article.activity-item").first
    parent.get_by_role("button", name=re.compile("Reply")).click()
    reply = unique("A reply")
    parent.get_by_label("Reply", exact=True).fill(reply)
    parent.get_by_role("button", name="Reply", exact=True).click()

    replies = page.get_by_role("region", name="Replies")
    expect(replies.get_by_text(reply)).to_be_visible()
    expect(parent.get_by_test_id("replies-count")).to_have_text("1")

    page.reload()
    expect(page.get_by_role("region", name="Replies").get_by_text(reply)).to_be_visible()
    expect(page.locator("article.activity-item").first.get_by_test_id("replies-count")).to_have_text("1")
    page.goto("/")
    expect(item.get_by_test_id("replies-count").first).to_have_text("1")


def test_a_crud_one_character_too_long_shows_the_validation_error(page, sign_in_browser):
    sign_in_browser("andrewbrown")
    form = page.get_by_role("form", name="New crud")
    too_long = "x" * (CRUD_MAX + 1)
    form.get_by_label("Crud").fill(too_long)
    expect(form.get_by_test_id("counter")).to_have_text("-1")
    expect(form.get_by_test_id("counter")).to_have_class(re.compile("counter-over"))

    form.get_by_role("button", name="Crud").click()
    error = form.get_by_role("alert").locator("[data-code='message_exceed_max_chars']")
    expect(error).to_have_text(f"Keep it to {CRUD_MAX} characters or fewer.")
    expect(form.get_by_label("Crud")).to_have_value(too_long)

    page.reload()
    expect(page.locator(".activity-feed > .activity-item").first).to_be_visible()
    expect(page.get_by_text(too_long)).to_have_count(0)


def test_markup_in_a_crud_is_shown_as_text(page, sign_in_browser):
    sign_in_browser("andrewbrown")
    message = unique('<img src=x onerror="document.body.dataset.pwned=1"><b>bold</b>')
    post_crud(page, message)
    expect(first_message(page)).to_have_text(message)
    page.reload()
    expect(first_message(page)).to_have_text(message)
    expect(page.locator(".activity-feed img")).to_have_count(0)
    expect(page.locator(".activity-feed b")).to_have_count(0)
    assert page.evaluate("document.body.dataset.pwned") is None


def test_search_finds_a_seeded_crud(page):
    page.goto("/")
    page.get_by_label("Search cruds").fill("prune juice")
    page.get_by_label("Search cruds").press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?term=prune"))
    expect(page.get_by_text("I am out of prune juice")).to_be_visible()
