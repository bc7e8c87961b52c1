"""Feeds, posting, replies, search and notifications against the seeded demo data."""
from datetime import datetime, timedelta

from testkit.errors import error_codes


def _parse(ts):
    value = datetime.fromisoformat(ts)
    assert value.utcoffset() == timedelta(0), ts
    return value


def test_home_lists_live_seeded_cruds_newest_first_with_replies(anon):
    response = anon.get("/api/activities/home")
    assert response.status_code == 200
    items = response.get_json()
    assert len(items) == 6  # the seeded expired crud is not among them
    created = [_parse(a["created_at"]) for a in items]
    assert created == sorted(created, reverse=True)
    assert all("replies" in a and a["reply_to_activity_uuid"] is None for a in items)
    londo = next(a for a in items if a["handle"] == "londo")
    assert [r["handle"] for r in londo["replies"]] == ["andrewbrown", "bayko"]
    assert londo["replies_count"] == 2
    assert all(r["reply_to_activity_uuid"] == londo["uuid"] for r in londo["replies"])


def test_post_reply_flow(sign_in, anon):
    picard = anon.post("/api/auth/signup", {"handle": "picard", "display_name": "Picard",
                                            "email": "p@e.example", "password": "engage-engage"})
    assert picard.status_code == 201
    me = sign_in("picard", "engage-engage")
    posted = me.post("/api/activities", {"message": "Tea, Earl Grey, hot.", "ttl": "3-hours"})
    assert posted.status_code == 201
    crud = posted.get_json()
    assert _parse(crud["expires_at"]) - _parse(crud["created_at"]) == timedelta(hours=3)

    assert anon.get("/api/activities/home").get_json()[0]["uuid"] == crud["uuid"]
    profile = anon.get("/api/activities/@picard").get_json()
    assert profile["profile"]["cruds_count"] == 1
    assert profile["activities"][0]["uuid"] == crud["uuid"]

    worf = sign_in("worf")
    reply = worf.post(f"/api/activities/{crud['uuid']}/reply", {"message": "A warrior's drink."})
    assert reply.status_code == 201
    assert reply.get_json()["reply_to_activity_uuid"] == crud["uuid"]

    top = anon.get("/api/activities/home").get_json()[0]
    assert top["uuid"] == crud["uuid"] and top["replies_count"] == 1
    assert [r["message"] for r in top["replies"]] == ["A warrior's drink."]
    shown = anon.get(f"/api/activities/@picard/status/{crud['uuid']}").get_json()
    assert shown["activity"]["replies_count"] == 1
    assert [r["uuid"] for r in shown["replies"]] == [reply.get_json()["uuid"]]

    notified = me.get("/api/activities/notifications").get_json()
    assert [n["uuid"] for n in notified] == [reply.get_json()["uuid"]]


def test_expired_crud_is_absent_everywhere(andrew, anon, sign_in, expire):
    crud = andrew.post("/api/activities", {"message": "ephemeral zebra @worf", "ttl": "1-hour"}).get_json()
    reply = sign_in("worf").post(f"/api/activities/{crud['uuid']}/reply",
                                 {"message": "zebra reply outliving nothing"}).get_json()
    before = anon.get("/api/activities/@andrewbrown").get_json()["profile"]["cruds_count"]
    expire(crud["uuid"])

    assert crud["uuid"] not in {a["uuid"] for a in anon.get("/api/activities/home").get_json()}
    profile = anon.get("/api/activities/@andrewbrown").get_json()
    assert crud["uuid"] not in {a["uuid"] for a in profile["activities"]}
    assert profile["profile"]["cruds_count"] == before - 1
    assert anon.get("/api/activities/search?term=zebra").get_json() == []
    assert anon.get(f"/api/activities/@andrewbrown/status/{crud['uuid']}").status_code == 404
    assert crud["uuid"] not in {a["uuid"] for a in sign_in("worf").get("/api/activities/notifications").get_json()}
    assert reply["uuid"] not in {a["uuid"] for a in andrew.get("/api/activities/notifications").get_json()}
    late = sign_in("worf").post(f"/api/activities/{crud['uuid']}/reply", {"message": "too late"})
    assert late.status_code == 404


def test_a_reply_never_outlives_its_parent(andrew, sign_in):
    crud = andrew.post("/api/activities", {"message": "short-lived", "ttl": "1-hour"}).get_json()
    reply = sign_in("bayko").post(f"/api/activities/{crud['uuid']}/reply", {"message": "noted"}).get_json()
    assert reply["expires_at"] == crud["expires_at"]


def test_search_matches_case_insensitively_and_treats_wildcards_literally(anon, andrew):
    andrew.post("/api/activities", {"message": "100% uptime_ok", "ttl": "1-day"})
    andrew.post("/api/activities", {"message": "1000 uptimeXok", "ttl": "1-day"})
    assert [a["handle"] for a in anon.get("/api/activities/search?term=PRUNE").get_json()] == ["worf"]
    assert len(anon.get("/api/activities/search?term=100%25").get_json()) == 1
    assert anon.get("/api/activities/search?term=time_u").get_json() == []
    assert len(anon.get("/api/activities/search?term=uptime_ok").get_json()) == 1


def test_search_finds_replies_with_their_parent(anon):
    found = anon.get("/api/activities/search?term=replicator").get_json()
    assert len(found) == 1 and found[0]["reply_to_activity_uuid"] is not None


def test_notifications_include_mentions_but_not_own_posts(andrew, sign_in):
    notified = andrew.get("/api/activities/notifications").get_json()
    assert [n["handle"] for n in notified] == ["worf", "londo"]  # newest first: the reply, then the mention
    andrew.post("/api/activities", {"message": "talking about @andrewbrown myself", "ttl": "1-day"})
    assert len(andrew.get("/api/activities/notifications").get_json()) == 2


def test_unknown_handle_and_activity_are_404(anon):
    assert anon.get("/api/activities/@nobody").status_code == 404
    assert error_codes(anon.get("/api/activities/@nobody")) == ["user_not_found"]
    assert anon.get("/api/users/@nobody/short").status_code == 404
    home = anon.get("/api/activities/home").get_json()
    # an activity shown under the wrong author is not found either
    assert anon.get(f"/api/activities/@garek/status/{home[0]['uuid']}").status_code == 404
    assert error_codes(anon.get("/api/nowhere")) == ["not_found"]


def test_users_short(anon):
    assert anon.get("/api/users/@Bayko/short").get_json().keys() == {"uuid", "handle", "display_name"}


def test_pagination_follows_link_headers_without_gaps(anon, andrew):
    for n in range(7):
        andrew.post("/api/activities", {"message": f"page crud {n}", "ttl": "1-day"})
    seen, url = [], "/api/activities/home?limit=4"
    while url:
        response = anon.get(url)
        seen += [a["uuid"] for a in response.get_json()]
        link = response.headers.get("Link")
        if link:  # absolute, from BACKEND_URL
            assert link.startswith("<http://localhost:4567/api/activities/home?")
        url = link[len("<http://localhost:4567"):link.index(">")] if link else None
    assert len(seen) == len(set(seen)) == 13
    assert seen == [a["uuid"] for a in anon.get("/api/activities/home?limit=100").get_json()]


def test_limit_is_capped_and_checked(anon, api_app):
    assert anon.get("/api/activities/home?limit=100000").status_code == 200
    assert error_codes(anon.get("/api/activities/home?limit=zero")) == ["limit_invalid"]
    assert anon.get("/api/activities/home?limit=0").status_code == 400
    assert error_codes(anon.get("/api/activities/home?cursor=%%%")) == ["cursor_invalid"]


def test_health_check_reports_the_database(anon):
    assert anon.get("/api/health-check").get_json() == {"success": True, "database": "ok"}


def test_cors_allows_the_frontend_and_exposes_link(client):
    response = client.options("/api/activities", headers={
        "Origin": "http://127.0.0.1:3000", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,traceparent"})
    assert response.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:3000"
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert {"authorization", "content-type", "traceparent"} <= {h.strip() for h in allowed.split(",")}
    get = client.get("/api/activities/home", headers={"Origin": "http://127.0.0.1:3000"})
    assert "Link" in get.headers["Access-Control-Expose-Headers"]
    other = client.get("/api/activities/home", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_the_status_page_sends_each_reply_once(anon):
    londo = next(a for a in anon.get("/api/activities/home").get_json() if a["handle"] == "londo")
    response = anon.get(f"/api/activities/@londo/status/{londo['uuid']}")
    body = response.get_json()
    assert "replies" not in body["activity"]
    replies = [r["uuid"] for r in londo["replies"]]
    assert [r["uuid"] for r in body["replies"]] == replies and len(replies) == 2
    assert all(response.get_data(as_text=True).count(uuid) == 1 for uuid in replies)


def test_a_reply_inlined_under_its_parent_carries_no_replies_even_when_it_is_a_result(anon, andrew):
    """Search finds londo's crud and a reply to it; the reply, a result of its own, has `replies` as
    every result does, but never under its parent."""
    crud = next(a for a in anon.get("/api/activities/@londo").get_json()["activities"])
    assert andrew.post(f"/api/activities/{crud['uuid']}/reply", {"message": "Humans, again."}).status_code == 201
    results = anon.get("/api/activities/search?term=humans").get_json()
    londo = next(a for a in results if a["handle"] == "londo" and a["reply_to_activity_uuid"] is None)
    inlined = {r["uuid"] for r in londo["replies"]}
    assert inlined & {a["uuid"] for a in results}
    assert all("replies" not in r for r in londo["replies"])
    assert all(a["replies"] == [] for a in results if a["uuid"] in inlined)
