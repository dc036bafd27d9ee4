"""Decompression and parsing bombs: a small input that unpacks or expands to gigabytes is
refused at once, with a clear message, before it costs memory or minutes.

- An application file that is a zip (DOCX, ODT...) is read member by member, streamed,
  with a byte cap: a 0.5 MB zip whose ``mimetype`` inflates to 512 MB is refused in well
  under a second (web 400, CLI exit 2).
- A workflow definition with YAML aliases is refused with a file:line error before it is
  composed (a 9-level "billion laughs" took minutes and gigabytes)."""
from __future__ import annotations

import io
import json
import struct
import time
import tracemalloc
import zlib

import pytest

from setupflow.calls import applications as apps
from setupflow.calls import operations as calls
from setupflow.calls.files import attach_file
from setupflow.definitions import DefinitionError, load_text
from setupflow.errors import InputError
from web_fixtures import *  # noqa: F401,F403

from tests.conftest import WORKFLOWS
from tests.test_stage_work_cli import run  # noqa: F401  (the CLI on the demo database)
from tests.test_stage_work_cli import site_in as demo_site_in

from . import counters

ODT = "application/vnd.oasis.opendocument.text"


def zip_bomb(member: str = "mimetype", inflated_mb: int = 512) -> bytes:
    """A zip whose one member inflates to ``inflated_mb`` MB of zeros, built directly
    (each megabyte compresses to the same ~1 kB block after a full flush)."""
    chunk = b"\0" * (1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = (deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)) * inflated_mb + b"\x03\x00"
    name, size, crc = member.encode(), inflated_mb << 20, 0  # the CRC is never reached
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(name), 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), size, len(name),
                          0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    return local + data + central + end


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return zip_bomb()


def odt(mimetype: bytes = ODT.encode()) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", mimetype)
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


@pytest.fixture
def application(session, make_site, walk, actor, now):
    site = walk(make_site(), "call")
    call = calls.create_call(session, site, "ami", actor=actor, now=now)
    calls.edit_call(session, site, call, actor=actor, now=now, body="Nous cherchons une structure.")
    calls.publish_call(session, site, call, published_on=now.date(), closes_on=now.date().replace(year=now.year + 1),
                       actor=actor, now=now)
    found = apps.add_application(session, site, call, organisation="Atelier Fil Rouge", legal_status="association",
                                 structure_type="SIAE-ACI", activity="Couture", actor=actor, now=now)
    return site, call, found


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_an_odt_whose_mimetype_inflates_to_half_a_gigabyte_is_refused_at_once(session, application, bomb, actor,
                                                                               now, tmp_path):
    site, _call, found = application
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(InputError) as refused:
            attach_file(session, site, found, data_dir=tmp_path, original_name="offre.odt", data=bomb, actor=actor,
                        now=now)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert refused.value.code == "file.archive_member_too_large" and refused.value.params["member"] == "mimetype"
    assert elapsed < 0.5, f"{elapsed:.2f} s"
    assert peak < len(bomb) + 8 * 1024 * 1024, f"{peak / 1e6:.0f} MB read out of a {len(bomb) / 1e6:.1f} MB zip"
    assert not found.files and not any((tmp_path / "uploads").glob("*"))
    # an honest ODT still goes through: the cap is far above any real mimetype
    assert attach_file(session, site, found, data_dir=tmp_path, original_name="ok.odt", data=odt(), actor=actor,
                       now=now).content_type == ODT
    counters.add("archive bombs refused (engine)")


def test_the_web_upload_of_a_zip_bomb_is_a_400_in_the_readers_language(site_in, web_walk, logged_in, web_session,
                                                                       manager, now, bomb):
    site = web_walk(site_in(), "call")
    call = calls.create_call(web_session, site, "ami", actor=manager, now=now)
    calls.edit_call(web_session, site, call, actor=manager, now=now, body="Texte")
    calls.publish_call(web_session, site, call, published_on=now.date(),
                       closes_on=now.date().replace(year=now.year + 1), actor=manager, now=now)
    found = apps.add_application(web_session, site, call, organisation="Coop Demain", legal_status="SCIC",
                                 structure_type="SIAE-EI", activity="Menuiserie", actor=manager, now=now)
    web_session.commit()
    lead = logged_in("lead@example.test", "lead", sites=(site,))
    url = f"/sites/{site.id}/calls/{call.id}/applications/{found.id}/files"
    started = time.perf_counter()
    answer = lead.post(url, data={"file": (io.BytesIO(bomb), "offre.odt")}, content_type="multipart/form-data")
    elapsed = time.perf_counter() - started
    assert answer.status_code == 400 and elapsed < 1.5, (answer.status_code, elapsed)
    assert "se décompresse en plus de 1024 octets" in answer.get_data(as_text=True)
    counters.add("archive bombs refused (web)")


def test_the_cli_attach_of_a_zip_bomb_is_one_line_and_exit_2(run, tmp_path, bomb):  # noqa: F811
    site = demo_site_in(run, "call")
    assert run("calls", "create", site)[0] == 0
    body = tmp_path / "body.txt"
    body.write_text("Nous cherchons une structure porteuse.", encoding="utf-8")
    assert run("calls", "edit", site, "--body-file", str(body))[0] == 0
    assert run("calls", "publish", site, "--on", "2026-11-02", "--closes", "2027-01-15")[0] == 0
    code, out, _ = run("calls", "apply", site, "--organisation", "Atelier Fil Rouge", "--legal-status",
                       "association", "--activity", "Couture", "--received-on", "2026-11-10", "--json")
    path = tmp_path / "offre.odt"
    path.write_bytes(bomb)
    started = time.perf_counter()
    code, _, err = run("calls", "attach", site, str(json.loads(out)["id"]), str(path))
    assert code == 2 and time.perf_counter() - started < 1.5
    assert err.strip() == ("error: file: The file's archive member 'mimetype' unpacks to more than 1024 bytes: "
                           "this is not an office document.")
    counters.add("archive bombs refused (CLI)")


def billion_laughs(levels: int = 9) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_a_yaml_alias_bomb_is_refused_with_file_and_line_in_well_under_a_second():
    started = time.perf_counter()
    with pytest.raises(DefinitionError) as refused:
        load_text(billion_laughs(), "workflows/bomb.yaml")
    assert time.perf_counter() - started < 0.5
    first = str(refused.value.problems[0])
    assert first == "workflows/bomb.yaml:2: YAML aliases are not accepted (*a0): write the value out in full"
    counters.add("alias bombs refused (loader)")


def test_a_single_alias_or_merge_key_in_a_real_definition_is_refused_where_it_stands():
    text = (WORKFLOWS / "cress-disp.yaml").read_text(encoding="utf-8")
    forged = text.replace("id: cress-disp", "id: &name cress-disp\nname_again: *name", 1)
    with pytest.raises(DefinitionError) as refused:
        load_text(forged, "workflows/x.yaml")
    [problem] = refused.value.problems
    assert problem.line == forged.splitlines().index("name_again: *name") + 1 and "*name" in problem.message
    merged = "base: &b {x: 1}\nother:\n  <<: *b\n"
    with pytest.raises(DefinitionError, match=r"workflows/m.yaml:3: YAML aliases are not accepted \(\*b\)"):
        load_text(merged, "workflows/m.yaml")
    # an asterisk inside a text is not an alias
    with pytest.raises(DefinitionError) as other:
        load_text("id: x\nname: '*important*'\n", "workflows/t.yaml")
    assert "alias" not in str(other.value)
    counters.add("alias bombs refused (loader)", 2)


def test_validate_refuses_the_alias_bomb_with_exit_2(run, tmp_path):  # noqa: F811
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs(), encoding="utf-8")
    started = time.perf_counter()
    code, _, err = run("workflows", "validate", str(path))
    assert code == 2 and time.perf_counter() - started < 1.5
    assert f"{path}:2: YAML aliases are not accepted (*a0)" in err and "Traceback" not in err
    counters.add("alias bombs refused (CLI)")
