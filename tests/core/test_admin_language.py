"""The admin speaks one language: Django's own strings its zh_Hans catalogue lacks come from locale/."""
from pathlib import Path
import shutil
import subprocess

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"
ENGLISH_LEFT_BY_DJANGO = ["Model name", "Add link", "Change or view list link"]


@pytest.mark.django_db
def test_the_admin_index_has_no_english_table_headers(admin_client):
    html = admin_client.get("/admin/").content.decode()
    for english in ENGLISH_LEFT_BY_DJANGO:
        assert english not in html
    assert '<th scope="col">模型名称</th>' in html
    assert '<th scope="col">增加链接</th>' in html
    assert '<th scope="col">修改或查看列表链接</th>' in html


def test_the_compiled_catalogue_matches_its_source(tmp_path):
    if shutil.which("msgfmt") is None:
        pytest.skip("needs msgfmt (Debian's gettext) to compile the catalogue")
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(compiled), str(LOCALE / "django.po")], check=True)
    assert compiled.read_bytes() == (LOCALE / "django.mo").read_bytes(), (
        "locale/zh_Hans/LC_MESSAGES/django.mo is stale: run msgfmt -o django.mo django.po there")
