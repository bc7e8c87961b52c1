"""Conversations: members read and write; everybody else learns nothing."""
from testkit.errors import error_codes


def _demo_group(api):
    [group] = api.get("/api/message_groups").get_json()
    return group


def test_seeded_conversation_is_visible_to_both_members(andrew, sign_in):
    group = _demo_group(andrew)
    assert group["handle"] == "bayko"
    assert _demo_group(sign_in("bayko"))["handle"] == "andrewbrown"
    thread = andrew.get(f"/api/messages/{group['uuid']}").get_json()
    assert [m["handle"] for m in thread] == ["andrewbrown", "bayko", "andrewbrown"]
    assert thread[-1]["message"] == group["message"]


def test_non_members_cannot_read_or_post(andrew, sign_in):
    group = _demo_group(andrew)
    londo = sign_in("londo")
    response = londo.get(f"/api/messages/{group['uuid']}")
    assert (response.status_code, error_codes(response)) == (404, ["message_group_not_found"])
    posted = londo.post("/api/messages", {"message_group_uuid": group["uuid"], "message": "let me in"})
    assert posted.status_code == 404
    assert len(andrew.get(f"/api/messages/{group['uuid']}").get_json()) == 3
    assert londo.get("/api/message_groups").get_json() == []


def test_continue_by_group_and_by_handle_reuse_one_conversation(andrew, sign_in):
    group = _demo_group(andrew)
    by_group = andrew.post("/api/messages", {"message_group_uuid": group["uuid"], "message": "by group"})
    assert by_group.status_code == 201 and by_group.get_json()["message_group_uuid"] == group["uuid"]
    bayko = sign_in("bayko")
    by_handle = bayko.post("/api/messages", {"handle": "andrewbrown", "message": "by handle"})
    assert by_handle.get_json()["message_group_uuid"] == group["uuid"]
    thread = andrew.get(f"/api/messages/{group['uuid']}").get_json()
    assert [m["message"] for m in thread[-2:]] == ["by group", "by handle"]
    assert _demo_group(andrew)["message"] == "by handle"


def test_new_conversation_comes_first(andrew, sign_in):
    started = andrew.post("/api/messages", {"handle": "garek", "message": "Need a suit."})
    assert started.status_code == 201
    groups = andrew.get("/api/message_groups").get_json()
    assert [g["handle"] for g in groups] == ["garek", "bayko"]
    assert [g["handle"] for g in sign_in("garek").get("/api/message_groups").get_json()] == ["andrewbrown"]


def test_message_to_unknown_handle_is_404(andrew):
    response = andrew.post("/api/messages", {"handle": "nobody", "message": "hello?"})
    assert (response.status_code, error_codes(response)) == (404, ["user_not_found"])
