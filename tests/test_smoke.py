from coordinator.extensions import db
from coordinator.models import Region


def test_home_page_answers_in_indonesian(client, app):
    db.session.add(Region(code="31.73", name="Kota Administrasi Jakarta Barat", level="city"))
    db.session.commit()
    page = client.get("/")
    assert page.status_code == 200
    assert "Program aktif" in page.get_data(as_text=True)
