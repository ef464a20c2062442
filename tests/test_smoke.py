from coordinator.extensions import db
from coordinator.models import Region


def test_home_page_answers_in_indonesian(client, app):
    db.session.add(Region(code="31.73", name="Kota Administrasi Jakarta Barat", level="city"))
    db.session.commit()
    page = client.get("/")
    assert page.status_code == 200
    assert "Program aktif" in page.get_data(as_text=True)


def test_home_page_lists_each_kecamatan_with_its_kelurahan(client, seeded):
    page = client.get("/").get_data(as_text=True)
    # Tambora (31.73.04) has 11 kelurahan, Kembangan (31.73.08) 6; the city 56 in all.
    assert "<td>31.73.04</td><td>Tambora</td><td>11</td>" in page
    assert "<td>31.73.08</td><td>Kembangan</td><td>6</td>" in page
