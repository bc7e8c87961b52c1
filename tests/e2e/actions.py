"""What a person does in Cruddur's UI, shared by the browser tests."""
import uuid


def unique(text):
    return f"{text} {uuid.uuid4().hex[:8]}"


def post_crud(page, message, ttl="1-day"):
    form = page.get_by_role("form", name="New crud")
    form.get_by_label("Crud").fill(message)
    form.get_by_role("combobox").select_option(ttl)
    form.get_by_role("button", name="Crud").click()
    return form


def first_message(page):
    return page.locator(".activity-feed > .activity-item").first.locator(".activity-main .message")
