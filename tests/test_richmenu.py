"""The rich menus (staff, and coordinators' own): their definitions, images, `flask richmenu deploy`
and the per-user links against the fake LINE API."""
from __future__ import annotations

import io
from datetime import datetime
from itertools import combinations

import pytest
import sqlalchemy as sa
from linebot.v3.messaging import RichMenuRequest
from PIL import Image

from bot import richmenu
from bot.fakeline import DEFAULT_RICH_MENU, RICH_MENU
from bot.line import RICH_MENU_DATA_HOSTS, LineClient, LineError
from bot.router import Router
from handlers import register_all
from jobs import menus as menu_job
from models.staff import Staff

# Words the menu types that no handler answers yet: their capabilities are still being built. A tap
# on them gets the "not understood" answer until then. Remove a word here once it is routed.
NOT_ROUTED_YET: set[str] = set()  # every menu word is routed now


def png(width: int, height: int, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def line_client(settings, line_api):
    line = LineClient(settings, sleep=lambda s: None)
    yield line
    line.close()


# -- the definition ------------------------------------------------------------------------------
def test_definition_is_a_rich_menu_request_in_lines_wire_format():
    definition = richmenu.definition()
    assert RichMenuRequest.from_dict(definition).to_dict() == definition
    assert definition["size"] == {"width": 2500, "height": 1686}
    assert definition["selected"] is True and definition["chatBarText"] == "เมนู"
    assert [(a["action"]["type"], a["action"]["label"], a["action"]["text"]) for a in definition["areas"]] == [
        ("message", w, w) for w in ("ปฏิญญา", "ความดี", "เช็คอิน", "เสนอชื่อ", "สถานะ", "ช่วยเหลือ")]
    assert all(area.subtitle for area in richmenu.AREAS)


def test_the_coordinators_menu_adds_summary_and_web_to_the_staff_tiles():
    definition = richmenu.COORDINATOR.definition()
    assert RichMenuRequest.from_dict(definition).to_dict() == definition
    texts = [a["action"]["text"] for a in definition["areas"]]
    assert texts[:2] == ["สรุป", "เว็บ"] and texts[2:] == [a.text for a in richmenu.AREAS]
    assert definition["name"] != richmenu.NAME and len(definition["chatBarText"]) <= 14


@pytest.mark.parametrize("menu", list(richmenu.MENUS.values()), ids=list(richmenu.MENUS))
def test_areas_tile_the_whole_image_without_overlap(menu):
    areas = menu.areas
    assert len(areas) == menu.columns * menu.rows == len(menu.tiles)
    assert {a.y for a in areas} == {0, 843}
    for a in areas:
        assert a.x >= 0 and a.y >= 0 and a.x + a.width <= richmenu.WIDTH and a.y + a.height <= richmenu.HEIGHT
    for a, b in combinations(areas, 2):
        overlap_w = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
        overlap_h = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
        assert overlap_w <= 0 or overlap_h <= 0, (a.label, b.label)
    assert sum(a.width * a.height for a in areas) == richmenu.WIDTH * richmenu.HEIGHT  # no gaps
    assert all(area.subtitle for area in areas)


def test_six_staff_areas_in_three_columns():
    assert {a.x for a in richmenu.AREAS} == {0, 833, 1667}


@pytest.mark.parametrize("menu", list(richmenu.MENUS.values()), ids=list(richmenu.MENUS))
def test_every_tap_types_a_word_the_bot_routes(menu):
    router = register_all(Router())
    texts = [area.text for area in menu.areas]
    unrouted = set()
    for text in texts:
        found = router.match_text(text)
        if found is None:
            unrouted.add(text)
        else:
            assert found[1] == "", f"{text!r} is routed with a leftover argument {found[1]!r}"
    assert unrouted <= NOT_ROUTED_YET, f"menu words nobody answers: {unrouted - NOT_ROUTED_YET}"


# -- the image ------------------------------------------------------------------------------------
def test_render_image_draws_a_png_of_the_menus_size_under_1_mb(tmp_path):
    try:
        richmenu.find_font()
    except richmenu.FontNotFound:
        pytest.skip("fonts-thai-tlwg is not installed")
    out = tmp_path / "menu.png"
    data = richmenu.render_image(out)
    assert out.read_bytes() == data
    assert len(data) < richmenu.MAX_IMAGE_BYTES
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == ("PNG", (2500, 1686))


def test_find_font_names_the_debian_package_when_fonts_are_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(richmenu, "FONT_DIRS", (tmp_path,))
    with pytest.raises(richmenu.FontNotFound, match="fonts-thai-tlwg"):
        richmenu.find_font()


@pytest.mark.parametrize("menu", list(richmenu.MENUS.values()), ids=list(richmenu.MENUS))
def test_committed_image_matches_the_definition(menu):
    data = menu.image_path.read_bytes()
    size = richmenu.definition()["size"]
    assert richmenu.image_size(data) == ("image/png", size["width"], size["height"])
    assert len(data) < richmenu.MAX_IMAGE_BYTES
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (size["width"], size["height"])


def test_image_size_reads_png_and_jpeg_headers():
    assert richmenu.image_size(png(2500, 1686)) == ("image/png", 2500, 1686)
    assert richmenu.image_size(png(1200, 810, "JPEG")) == ("image/jpeg", 1200, 810)
    assert richmenu.image_size(b"GIF89a....") is None


# -- the LINE client and the fake -------------------------------------------------------------------
def test_client_creates_uploads_sets_default_lists_and_deletes(line_client, line_api):
    menu_id = line_client.create_rich_menu(richmenu.definition())
    assert menu_id.startswith("richmenu-")
    line_client.upload_rich_menu_image(menu_id, png(2500, 1686))
    assert line_client.default_rich_menu_id() is None
    line_client.set_default_rich_menu(menu_id)
    assert line_client.default_rich_menu_id() == menu_id
    [listed] = line_client.list_rich_menus()
    assert listed["richMenuId"] == menu_id and listed["areas"] == richmenu.definition()["areas"]
    [upload] = line_api.calls(f"{RICH_MENU}/{menu_id}/content")
    assert upload.headers["Content-Type"] == "image/png" and upload.status == 200
    line_client.delete_rich_menu(menu_id)
    assert line_client.list_rich_menus() == [] and line_client.default_rich_menu_id() is None


def test_image_uploads_go_to_lines_data_host():
    assert RICH_MENU_DATA_HOSTS["https://api.line.me"] == "https://api-data.line.me"


def test_fake_rejects_what_line_would(line_client, line_api):
    definition = richmenu.definition()
    too_many = {**definition, "areas": definition["areas"] * 4}
    outside = {**definition, "areas": [{**definition["areas"][0],
                                        "bounds": {"x": 2000, "y": 0, "width": 600, "height": 100}}]}
    for bad in (too_many, outside):
        with pytest.raises(LineError) as err:
            line_client.create_rich_menu(bad)
        assert err.value.status == 400
    menu_id = line_client.create_rich_menu(definition)
    with pytest.raises(LineError) as err:
        line_client.set_default_rich_menu(menu_id)  # no image yet
    assert err.value.status == 400
    with pytest.raises(LineError) as err:
        line_client.upload_rich_menu_image(menu_id, png(2500, 843))
    assert err.value.status == 400 and "2500x843" in err.value.detail
    with pytest.raises(LineError) as err:
        line_client.upload_rich_menu_image("richmenu-" + "0" * 32, png(2500, 1686))
    assert err.value.status == 404
    line_client.upload_rich_menu_image(menu_id, png(2500, 1686, "JPEG"))
    assert line_api.rich_menu_images[menu_id][0] == "image/jpeg"
    with pytest.raises(LineError) as err:
        line_client.upload_rich_menu_image(menu_id, png(2500, 1686))  # LINE never replaces an image
    assert err.value.status == 400
    line_api.reset()
    assert not line_api.rich_menus and not line_api.rich_menu_images and line_api.default_rich_menu is None


# -- flask richmenu deploy --------------------------------------------------------------------------
def by_name(line_api, name: str) -> list[str]:
    return [i for i, m in line_api.rich_menus.items() if m["name"] == name]


def test_deploy_creates_both_menus_and_sets_the_staff_menu_as_default(runner, line_api):
    result = runner.invoke(args=["richmenu", "deploy"])
    assert result.exit_code == 0, result.output
    [staff] = by_name(line_api, richmenu.NAME)
    [coordinators] = by_name(line_api, richmenu.COORDINATOR.name)
    assert len(line_api.rich_menus) == 2 and staff in result.output and coordinators in result.output
    assert line_api.rich_menus[staff]["areas"] == richmenu.definition()["areas"]
    assert line_api.rich_menus[coordinators]["areas"] == richmenu.COORDINATOR.definition()["areas"]
    assert line_api.rich_menu_images[staff] == ("image/png", richmenu.IMAGE_PATH.read_bytes())
    assert line_api.rich_menu_images[coordinators] == ("image/png", richmenu.COORDINATOR.image_path.read_bytes())
    assert line_api.default_rich_menu == staff
    assert [r.status for r in line_api.calls(f"{DEFAULT_RICH_MENU}/{staff}")] == [200]
    assert not line_api.calls(f"{DEFAULT_RICH_MENU}/{coordinators}")


def test_second_deploy_replaces_the_older_menus_of_the_same_names(runner, line_api, line_client):
    other = line_client.create_rich_menu({**richmenu.definition(), "name": "someone else's"})
    assert runner.invoke(args=["richmenu", "deploy"]).exit_code == 0
    first = by_name(line_api, richmenu.NAME) + by_name(line_api, richmenu.COORDINATOR.name)
    result = runner.invoke(args=["richmenu", "deploy"])
    assert result.exit_code == 0, result.output
    second = by_name(line_api, richmenu.NAME) + by_name(line_api, richmenu.COORDINATOR.name)
    assert len(second) == 2 and not set(first) & set(second) and line_api.default_rich_menu == second[0]
    for old in first:
        assert [r.status for r in line_api.calls(f"{RICH_MENU}/{old}") if r.method == "DELETE"] == [200]
    assert other in line_api.rich_menus  # another name is not ours to remove
    assert "removed 2 older:" in result.output


def test_deploy_with_another_image(runner, line_api, tmp_path):
    image = tmp_path / "menu.jpg"
    image.write_bytes(png(2500, 1686, "JPEG"))
    result = runner.invoke(args=["richmenu", "deploy", "--image", str(image)])
    assert result.exit_code == 0, result.output
    [staff] = by_name(line_api, richmenu.NAME)
    assert line_api.rich_menu_images[staff] == ("image/jpeg", image.read_bytes())


def test_deploy_refuses_an_image_of_the_wrong_size_before_calling_line(runner, line_api, tmp_path):
    image = tmp_path / "small.png"
    image.write_bytes(png(1200, 810))
    result = runner.invoke(args=["richmenu", "deploy", "--image", str(image)])
    assert result.exit_code != 0
    assert "1200x810" in result.output and "Traceback" not in result.output
    assert line_api.calls() == []


def test_deploy_fails_cleanly_when_line_keeps_failing(runner, line_api, settings):
    line_api.fail_next(RICH_MENU, 500, times=settings.line_max_attempts)
    result = runner.invoke(args=["richmenu", "deploy"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # a ClickException, no traceback
    assert "rich menu not deployed" in result.output and "500" in result.output
    assert len(line_api.calls(RICH_MENU)) == settings.line_max_attempts
    assert line_api.rich_menus == {} and line_api.default_rich_menu is None


def test_deploy_removes_its_half_made_menu_when_line_refuses_the_image(runner, line_api, tmp_path):
    assert runner.invoke(args=["richmenu", "deploy"]).exit_code == 0
    [good] = by_name(line_api, richmenu.NAME)
    [coordinators] = by_name(line_api, richmenu.COORDINATOR.name)
    broken = tmp_path / "broken.png"
    broken.write_bytes(richmenu.IMAGE_PATH.read_bytes()[:4096])  # the right header, a cut-off body
    result = runner.invoke(args=["richmenu", "deploy", "--image", str(broken)])
    assert result.exit_code == 1 and "rich menu not deployed" in result.output
    assert sorted(line_api.rich_menus) == sorted([good, coordinators]) and line_api.default_rich_menu == good
    assert [r.method for r in line_api.calls() if r.path.startswith(RICH_MENU + "/richmenu-")
            and good not in r.path and coordinators not in r.path] == ["POST", "DELETE"]


# -- per-user menus: coordinators and executives get theirs -----------------------------------------
def coordinators_menu(line_api) -> str:
    [menu_id] = by_name(line_api, richmenu.COORDINATOR.name)
    return menu_id


def test_deploy_links_the_coordinators_menu_to_coordinators_and_executives_only(runner, line_api, register):
    c01, e01, s01 = register("C01"), register("E01"), register("S01")
    result = runner.invoke(args=["richmenu", "deploy"])
    assert result.exit_code == 0, result.output
    menu_id = coordinators_menu(line_api)
    assert line_api.user_rich_menus == {c01: menu_id, e01: menu_id}
    assert s01 not in line_api.user_rich_menus and "linked to 2 account(s)" in result.output


def test_the_job_follows_registrations_roles_and_retirements(runner, line_api, register, bot, line_client):
    assert runner.invoke(args=["richmenu", "deploy"]).exit_code == 0
    menu_id = coordinators_menu(line_api)
    c01 = register("C01")                        # registers after the deploy
    now = datetime.now(bot.settings.tz)
    with bot.db.session() as db:
        assert menu_job.run(now, db, line_client) == 1
    assert line_api.user_rich_menus == {c01: menu_id}
    assert line_client.rich_menu_of(c01) == menu_id
    calls = len(line_api.calls())
    with bot.db.session() as db:
        assert menu_job.run(now, db, line_client) == 0   # nothing to do: no call to LINE
    assert len(line_api.calls()) == calls
    s01 = register("S01")
    with bot.db.session() as db:
        db.execute(sa.update(Staff).where(Staff.code == "S01").values(role="executive"))
        db.execute(sa.update(Staff).where(Staff.code == "C01").values(active=False))
    with bot.db.session() as db:
        assert menu_job.run(now, db, line_client) == 2
    assert line_api.user_rich_menus == {s01: menu_id}
    assert line_client.rich_menu_of(c01) is None


def test_a_failed_link_is_tried_again(runner, line_api, register, bot, line_client, settings):
    assert runner.invoke(args=["richmenu", "deploy"]).exit_code == 0
    c01 = register("C01")
    line_api.fail_next(f"/v2/bot/user/{c01}/richmenu/{coordinators_menu(line_api)}", 500,
                       times=settings.line_max_attempts)
    now = datetime.now(bot.settings.tz)
    with bot.db.session() as db:
        assert menu_job.run(now, db, line_client) == 0
    assert c01 not in line_api.user_rich_menus
    with bot.db.session() as db:
        assert menu_job.run(now, db, line_client) == 1
    assert c01 in line_api.user_rich_menus


def test_redeploying_moves_coordinators_to_the_new_menu(runner, line_api, register):
    c01 = register("C01")
    assert runner.invoke(args=["richmenu", "deploy"]).exit_code == 0
    first = coordinators_menu(line_api)
    assert runner.invoke(args=["richmenu", "deploy"]).exit_code == 0
    second = coordinators_menu(line_api)
    assert second != first and line_api.user_rich_menus == {c01: second}


def test_sync_before_deploy_says_what_to_do(runner, line_api, register):
    register("C01")
    result = runner.invoke(args=["richmenu", "sync"])
    assert result.exit_code == 1 and "richmenu deploy" in result.output
    assert not line_api.user_rich_menus
