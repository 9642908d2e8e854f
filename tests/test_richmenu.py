"""The staff rich menu: its definition, its image, and `flask richmenu deploy` against the fake LINE API."""
from __future__ import annotations

import io
from itertools import combinations

import pytest
from linebot.v3.messaging import RichMenuRequest
from PIL import Image

from bot import richmenu
from bot.fakeline import DEFAULT_RICH_MENU, RICH_MENU
from bot.line import RICH_MENU_DATA_HOSTS, LineClient, LineError
from bot.router import Router
from handlers import register_all

# Words the menu types that no handler answers yet: their capabilities are still being built. A tap
# on them gets the "not understood" answer until then. Remove a word here once it is routed.
NOT_ROUTED_YET: set[str] = set()  # every menu word is routed now


def png(width: int, height: int, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def client(settings, line_api):
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


def test_six_areas_tile_the_whole_image_without_overlap():
    areas = richmenu.AREAS
    assert len(areas) == 6
    assert {a.y for a in areas} == {0, 843} and {a.x for a in areas} == {0, 833, 1667}
    for a in areas:
        assert a.x >= 0 and a.y >= 0 and a.x + a.width <= richmenu.WIDTH and a.y + a.height <= richmenu.HEIGHT
    for a, b in combinations(areas, 2):
        overlap_w = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
        overlap_h = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
        assert overlap_w <= 0 or overlap_h <= 0, (a.label, b.label)
    assert sum(a.width * a.height for a in areas) == richmenu.WIDTH * richmenu.HEIGHT  # no gaps


def test_every_tap_types_a_word_the_bot_routes():
    router = register_all(Router())
    texts = [area.text for area in richmenu.AREAS]
    assert NOT_ROUTED_YET <= set(texts), "NOT_ROUTED_YET lists a word the menu no longer has"
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


def test_committed_image_matches_the_definition():
    data = richmenu.IMAGE_PATH.read_bytes()
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
def test_client_creates_uploads_sets_default_lists_and_deletes(client, line_api):
    menu_id = client.create_rich_menu(richmenu.definition())
    assert menu_id.startswith("richmenu-")
    client.upload_rich_menu_image(menu_id, png(2500, 1686))
    assert client.default_rich_menu_id() is None
    client.set_default_rich_menu(menu_id)
    assert client.default_rich_menu_id() == menu_id
    [listed] = client.list_rich_menus()
    assert listed["richMenuId"] == menu_id and listed["areas"] == richmenu.definition()["areas"]
    [upload] = line_api.calls(f"{RICH_MENU}/{menu_id}/content")
    assert upload.headers["Content-Type"] == "image/png" and upload.status == 200
    client.delete_rich_menu(menu_id)
    assert client.list_rich_menus() == [] and client.default_rich_menu_id() is None


def test_image_uploads_go_to_lines_data_host():
    assert RICH_MENU_DATA_HOSTS["https://api.line.me"] == "https://api-data.line.me"


def test_fake_rejects_what_line_would(client, line_api):
    definition = richmenu.definition()
    too_many = {**definition, "areas": definition["areas"] * 4}
    outside = {**definition, "areas": [{**definition["areas"][0],
                                        "bounds": {"x": 2000, "y": 0, "width": 600, "height": 100}}]}
    for bad in (too_many, outside):
        with pytest.raises(LineError) as err:
            client.create_rich_menu(bad)
        assert err.value.status == 400
    menu_id = client.create_rich_menu(definition)
    with pytest.raises(LineError) as err:
        client.set_default_rich_menu(menu_id)  # no image yet
    assert err.value.status == 400
    with pytest.raises(LineError) as err:
        client.upload_rich_menu_image(menu_id, png(2500, 843))
    assert err.value.status == 400 and "2500x843" in err.value.detail
    with pytest.raises(LineError) as err:
        client.upload_rich_menu_image("richmenu-" + "0" * 32, png(2500, 1686))
    assert err.value.status == 404
    client.upload_rich_menu_image(menu_id, png(2500, 1686, "JPEG"))
    assert line_api.rich_menu_images[menu_id][0] == "image/jpeg"
    with pytest.raises(LineError) as err:
        client.upload_rich_menu_image(menu_id, png(2500, 1686))  # LINE never replaces an image
    assert err.value.status == 400
    line_api.reset()
    assert not line_api.rich_menus and not line_api.rich_menu_images and line_api.default_rich_menu is None


# -- flask richmenu deploy --------------------------------------------------------------------------
def test_deploy_creates_uploads_and_sets_the_default(runner, line_api):
    result = runner.invoke(args=["richmenu", "deploy"])
    assert result.exit_code == 0, result.output
    [(menu_id, menu)] = line_api.rich_menus.items()
    assert menu_id in result.output
    assert menu["name"] == richmenu.NAME and menu["areas"] == richmenu.definition()["areas"]
    assert line_api.rich_menu_images[menu_id] == ("image/png", richmenu.IMAGE_PATH.read_bytes())
    assert line_api.default_rich_menu == menu_id
    assert [r.status for r in line_api.calls(f"{DEFAULT_RICH_MENU}/{menu_id}")] == [200]


def test_second_deploy_replaces_the_older_menu_of_the_same_name(runner, line_api, client):
    other = client.create_rich_menu({**richmenu.definition(), "name": "coordinators"})
    assert runner.invoke(args=["richmenu", "deploy"]).exit_code == 0
    [first] = [i for i, m in line_api.rich_menus.items() if m["name"] == richmenu.NAME]
    result = runner.invoke(args=["richmenu", "deploy"])
    assert result.exit_code == 0, result.output
    [second] = [i for i, m in line_api.rich_menus.items() if m["name"] == richmenu.NAME]
    assert second != first and line_api.default_rich_menu == second
    assert [r.status for r in line_api.calls(f"{RICH_MENU}/{first}") if r.method == "DELETE"] == [200]
    assert other in line_api.rich_menus  # another name is not ours to remove
    assert f"removed 1 older: {first}" in result.output


def test_deploy_with_another_image(runner, line_api, tmp_path):
    image = tmp_path / "menu.jpg"
    image.write_bytes(png(2500, 1686, "JPEG"))
    result = runner.invoke(args=["richmenu", "deploy", "--image", str(image)])
    assert result.exit_code == 0, result.output
    [(menu_id, _)] = line_api.rich_menus.items()
    assert line_api.rich_menu_images[menu_id] == ("image/jpeg", image.read_bytes())


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
    [(good, _)] = line_api.rich_menus.items()
    broken = tmp_path / "broken.png"
    broken.write_bytes(richmenu.IMAGE_PATH.read_bytes()[:4096])  # the right header, a cut-off body
    result = runner.invoke(args=["richmenu", "deploy", "--image", str(broken)])
    assert result.exit_code == 1 and "rich menu not deployed" in result.output
    assert list(line_api.rich_menus) == [good] and line_api.default_rich_menu == good
    assert [r.method for r in line_api.calls() if r.path.startswith(RICH_MENU + "/richmenu-")
            and good not in r.path] == ["POST", "DELETE"]
