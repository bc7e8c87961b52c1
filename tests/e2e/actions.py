"""What a person does in Cruddur's UI, shared by the browser tests."""
import uuid


def unique(text):
    return f"{text} {uuid.uuid4().hex[:8]}"


def _is_crud_post(response):
    return response.request.method == "POST" and response.url.split("?")[0].endswith("/api/activities")


def post_crud(page, message, ttl="1-day"):
    """Post a crud through the form, and return once the API has answered it with 201.

    Not before: React mirrors a textarea's value into its text, so the typed message is "visible
    text" in the form itself before the request is even sent, and a reload that follows too soon
    cancels the request (a loaded run lost a crud that way)."""
    form = page.get_by_role("form", name="New crud")
    form.get_by_label("Crud").fill(message)
    form.get_by_role("combobox").select_option(ttl)
    with page.expect_response(_is_crud_post) as answered:
        form.get_by_role("button", name="Crud").click()
    assert answered.value.status == 201, (answered.value.status, answered.value.text())
    return form


def first_message(page):
    return page.locator(".activity-feed > .activity-item").first.locator(".activity-main .message")
