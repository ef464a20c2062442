from coordinator.extensions import db
from coordinator.models import Region


def test_home_page_renders_in_a_real_browser(app, live_server, phone_page, artifacts_dir):
    db.session.add(Region(code="31.73", name="Kota Administrasi Jakarta Barat", level="city"))
    db.session.commit()
    phone_page.goto(live_server + "/")
    assert "Jakarta Barat" in phone_page.inner_text("h2")
    phone_page.screenshot(path=str(artifacts_dir / "home.png"))
