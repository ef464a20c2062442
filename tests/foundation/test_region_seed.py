"""`sinergi seed`: DKI Jakarta's regions and the reference data, idempotent; bad files rejected whole."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import Indicator, Network, Region, Target
from coordinator.seeding.regions import SeedFileError, seed_dki_jakarta

WILAYAH_DIR = Path("/work/shared/data/wilayah")

MINI_WILAYAH = {
    "provinces.csv": "code,name\n31,Daerah Khusus Ibukota Jakarta\n",
    "regencies.csv": "code,province_code,name\n31.73,31,Kota Administrasi Jakarta Barat\n",
    "districts.csv": "code,regency_code,name\n31.73.03,31.73,Taman Sari\n31.73.04,31.73,Tambora\n",
    "villages.csv": (
        "code,district_code,name\n"
        "31.73.04.1001,31.73.04,Tanah Sereal\n"
        "31.73.04.1002,31.73.04,Tambora\n"
        "31.73.03.1001,31.73.03,Glodok\n"
    ),
}


def region_count(*conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(Region).where(*conditions))


def write_wilayah(folder: Path, **changes: str | bytes) -> Path:
    folder.mkdir()
    for name, text in {**MINI_WILAYAH, **changes}.items():
        path = folder / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return folder


def test_seed_loads_jakarta_barat_with_its_8_kecamatan_and_56_kelurahan(runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "318 added" in result.output
    assert region_count(Region.level == "kecamatan", Region.parent_code == "31.73") == 8
    assert region_count(Region.level == "kelurahan", Region.code.like("31.73.%")) == 56
    assert db.session.get(Region, "31.73.04").name == "Tambora"
    assert db.session.scalar(select(func.count()).select_from(Network)) == 8
    assert set(db.session.scalars(select(Indicator.code))) == {
        "ktpa_victims", "ktpa_women", "ktpa_children", "tppo_victims"
    }
    baselines = dict(
        db.session.execute(
            select(Indicator.code, Target.baseline_value).join(Target.indicator)
            .where(Target.region_code == "31.73", Target.year == 2022)
        ).all()
    )
    assert baselines == {
        "ktpa_victims": 307, "ktpa_women": 81, "ktpa_children": 226, "tppo_victims": 105
    }


def test_a_second_seed_changes_nothing(runner):
    runner.invoke(args=["seed"])
    before = _snapshot()
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "0 added, 0 renamed" in result.output
    assert "0 networks, 0 indicators, 0 targets added" in result.output
    assert _snapshot() == before


def _snapshot() -> tuple:
    return (
        sorted(db.session.execute(select(Region.code, Region.name, Region.parent_code)).all()),
        sorted(db.session.execute(select(Network.id, Network.slug)).all()),
        sorted(db.session.execute(select(Target.id, Target.target_value)).all()),
    )


def test_seed_renames_a_region_whose_name_changed(app):
    seed_dki_jakarta()
    db.session.get(Region, "31.73.04").name = "Old name"
    db.session.commit()
    assert seed_dki_jakarta().updated == 1
    assert db.session.get(Region, "31.73.04").name == "Tambora"


BAD_FILES = [
    ("bad code", "villages.csv",
     "code,district_code,name\n31.73.04.1001,31.73.04,Tanah Sereal\n31.73.04.10X2,31.73.04,Oops\n",
     "villages.csv, line 3", "is not a Kemendagri code"),
    ("wrong level", "districts.csv",
     "code,regency_code,name\n31.73.03,31.73,Taman Sari\n31.73.04.1001,31.73,Tambora\n",
     "districts.csv, line 3", "does not denote a kecamatan"),
    ("unknown parent", "villages.csv",
     "code,district_code,name\n31.73.04.1001,31.73.04,Tanah Sereal\n31.73.09.1001,31.73.09,X\n",
     "villages.csv, line 3", "unknown parent region 31.73.09"),
    ("missing column", "regencies.csv",
     "code,name\n31.73,Kota Administrasi Jakarta Barat\n",
     "regencies.csv, line 1", "missing column(s) province_code"),
    ("non-UTF-8", "villages.csv",
     "code,district_code,name\n31.73.04.1001,31.73.04,Tanah Sereal\n31.73.03.1001,31.73.03,Gl\xf6dok\n"
     .encode("latin-1"),
     "villages.csv, line 3", "not UTF-8"),
    ("duplicate code", "districts.csv",
     "code,regency_code,name\n31.73.03,31.73,Taman Sari\n31.73.03,31.73,Taman Sari\n",
     "districts.csv, line 3", "appears twice"),
    ("short row", "provinces.csv", "code,name\n31\n", "provinces.csv, line 2", "wrong number"),
]


@pytest.mark.parametrize(
    ("filename", "content", "where", "message"),
    [case[1:] for case in BAD_FILES], ids=[case[0] for case in BAD_FILES],
)
def test_a_malformed_seed_file_names_file_and_line_and_writes_nothing(
    runner, tmp_path, filename, content, where, message
):
    folder = write_wilayah(tmp_path / "wilayah", **{filename: content})
    result = runner.invoke(args=["seed", "--all-indonesia", str(folder)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert where in lines[0] and message in lines[0], lines[0]
    assert "Traceback" not in result.output
    assert region_count() == 0
    assert db.session.scalar(select(func.count()).select_from(Network)) == 0


def test_a_missing_wilayah_folder_is_reported_in_one_line(runner, tmp_path):
    result = runner.invoke(args=["seed", "--all-indonesia", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "provinces.csv: file not found" in result.output
    assert region_count() == 0


def test_the_shipped_region_format_rejects_an_unknown_level(app, tmp_path):
    bad = tmp_path / "regions.csv"
    bad.write_text("code,parent_code,level,name\n31,,province,DKI\n31.73,31,village,Jakbar\n")
    with pytest.raises(SeedFileError, match=r"regions.csv, line 3: level 'village' is not one of"):
        seed_dki_jakarta(bad)
    assert region_count() == 0


def test_a_small_wilayah_folder_loads_under_existing_regions(runner, tmp_path):
    folder = write_wilayah(tmp_path / "wilayah")
    result = runner.invoke(args=["seed", "--all-indonesia", str(folder)])
    assert result.exit_code == 0, result.output
    assert "Regions of Indonesia: 7 added" in result.output
    assert region_count(Region.code.like("31.73.%"), Region.level == "kelurahan") == 56


@pytest.mark.slow
def test_all_indonesia_loads_83762_villages(runner, capsys):
    if not (WILAYAH_DIR / "villages.csv").exists():
        pytest.skip(f"wilayah data not found in {WILAYAH_DIR}")
    result = runner.invoke(args=["seed", "--all-indonesia", str(WILAYAH_DIR)])
    assert result.exit_code == 0, result.output
    assert region_count(Region.level == "kelurahan") == 83_762
    assert region_count(Region.level == "province") == 38
    assert region_count(Region.level == "kecamatan", Region.parent_code == "31.73") == 8
    with capsys.disabled():
        print(f"\n[{db.engine.dialect.name}] {result.output.splitlines()[0]}")


def test_the_country_seed_reports_its_progress(runner, tmp_path):
    folder = write_wilayah(tmp_path / "wilayah")
    result = runner.invoke(args=["seed", "--all-indonesia", str(folder)])
    assert result.exit_code == 0, result.output
    assert "Regions of Indonesia: " in result.stderr and "(100%" in result.stderr
