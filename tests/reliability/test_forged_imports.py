"""An imported file is hostile input, on both databases: a forger who edits an export and
recomputes its checksum is caught by the installation's signature (refused unless
--accept-foreign), and even an accepted foreign file goes through the checks of live input:
every row's types, lengths and ranges, and the workflow snapshot through the definition
loader. The refusal names the table, the row and the column; nothing is half-imported."""
from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner

from setupflow.cli import cli
from setupflow.cli.common import run_cli
from setupflow.errors import InputError
from setupflow.transfer.archive import canonical, export_site, import_site

from tests.conftest import WORKFLOWS

from . import counters
from .test_export_import import (empty_sqlite, empty_target, full_site, full_site_template,  # noqa: F401
                                 row_counts)


def _forge(raw: bytes, change) -> bytes:
    document = json.loads(raw)
    change(document["payload"])
    document["sha256"] = hashlib.sha256(canonical(document["payload"])).hexdigest()
    return json.dumps(document).encode()


def _set(table, column, value):
    def change(payload):
        payload["tables"][table][0][column] = value
    return change


def _snapshot(key, value):
    def change(payload):
        payload["snapshot"][key] = value
    return change


FORGERIES = {
    "bogus snapshot document": (_snapshot("document", {"bogus": True}),
                                "workflow_snapshots row 1 document: The workflow definition in the file is not valid"),
    "snapshot of another definition": (_snapshot("digest", "0" * 16), "are not those of its document"),
    "version_id abc": (_set("sites", "version_id", "abc"), "sites row 1 version_id: 'abc' is not a whole number"),
    "version_id out of range": (_set("sites", "version_id", 2**40), "sites row 1 version_id: 1099511627776 is not"),
    "a number as a text": (_set("decisions", "text", 12345), "decisions row 1 text: 12345 is not a text"),
    "a name too long": (_set("sites", "name", "x" * 5000), "sites row 1 name: 'xxxx"),
    "a required value missing": (_set("sites", "stage", None), "sites row 1 stage: null is not a value (required)"),
    "true where a text": (_set("decisions", "text", True),
                                   "decisions row 1 text: True is not a text"),
    "a string id": (_set("decisions", "id", "1"), "decisions id: '1' is not a whole number"),
}


@pytest.fixture
def exported(full_site):
    source, site_id, data_dir = full_site
    with source.factory() as session:
        return export_site(session, site_id, data_dir, source.settings(data_dir=data_dir, secret_key="installation A"))


@pytest.mark.parametrize("case", sorted(FORGERIES))
def test_a_forged_file_is_refused_naming_table_row_and_column(empty_target, exported, tmp_path, case):
    change, message = FORGERIES[case]
    forged = _forge(exported, change)
    target = empty_target.settings(data_dir=tmp_path / "t", secret_key="installation A")
    before = row_counts(empty_target)
    with empty_target.factory() as session:
        with pytest.raises(InputError, match="not signed by this installation"):
            import_site(session, forged, tmp_path / "t", settings=target)
        # the person vouches for the file: it is still checked like live input
        with pytest.raises(InputError) as refused:
            import_site(session, forged, tmp_path / "t", settings=target, accept_foreign=True)
        session.rollback()
    assert message in str(refused.value)
    assert row_counts(empty_target) == before and not list((tmp_path / "t").glob("uploads/*"))
    counters.add("forged import files refused")


def test_a_file_from_another_installation_is_foreign_until_accepted(empty_target, exported, tmp_path):
    other = empty_target.settings(data_dir=tmp_path / "t", secret_key="installation B")
    before = row_counts(empty_target)
    with empty_target.factory() as session:
        with pytest.raises(InputError, match="not signed by this installation"):
            import_site(session, exported, tmp_path / "t", settings=other)
        session.rollback()
    assert row_counts(empty_target) == before
    with empty_target.factory() as session:
        new_id, _written = import_site(session, exported, tmp_path / "t", settings=other, accept_foreign=True)
        session.commit()
    assert new_id
    same = empty_target.settings(data_dir=tmp_path / "u", secret_key="installation A")
    assert json.loads(exported)["signature"]
    with empty_target.factory() as session:  # the installation that signed it: no flag needed (a second copy)
        with pytest.raises(InputError, match="already imported"):
            import_site(session, exported, tmp_path / "u", settings=same)
        session.rollback()
    counters.add("forged import files refused", 1)


def test_the_command_line_refuses_a_forged_file_with_exit_2(full_site, empty_sqlite, tmp_path, monkeypatch):
    source, site_id, data_dir = full_site

    def run(database, data, *args):
        monkeypatch.setenv("SETUPFLOW_DATABASE_URL", database.url)
        monkeypatch.setenv("SETUPFLOW_WORKFLOWS_DIR", str(WORKFLOWS))
        monkeypatch.setenv("SETUPFLOW_DATA_DIR", str(data))
        monkeypatch.delenv("SETUPFLOW_SECRET_KEY", raising=False)  # each data dir: its own installation
        with CliRunner().isolation() as (stdout, stderr, *_):
            return run_cli(cli, list(args)), stdout.getvalue().decode(), stderr.getvalue().decode()

    out = tmp_path / "site.json"
    assert run(source, data_dir, "export", str(site_id), "-o", str(out))[0] == 0
    forged = tmp_path / "forged.json"
    forged.write_bytes(_forge(out.read_bytes(), _set("sites", "version_id", "abc")))
    before = row_counts(empty_sqlite)
    code, _, err = run(empty_sqlite, tmp_path / "target", "import", str(out))
    assert code == 2 and "not signed by this installation" in err and "--accept-foreign" in err
    code, _, err = run(empty_sqlite, tmp_path / "target", "import", str(forged), "--accept-foreign")
    assert code == 2 and "sites row 1 version_id: 'abc' is not a whole number" in err and "Traceback" not in err
    assert row_counts(empty_sqlite) == before
    code, _, err = run(empty_sqlite, tmp_path / "target", "import", str(out), "--accept-foreign")
    assert code == 0, err
    counters.add("forged import files refused (CLI)", 2)


def test_a_broken_snapshot_left_by_an_older_import_is_never_shared(empty_target, catalog, manager, now):
    from datetime import timezone

    from setupflow.sites import operations as ops
    from setupflow.sites.models import Site, WorkflowSnapshot

    loaded = next(lw for lw in catalog if lw.workflow.id == "cress-disp")
    with empty_target.factory() as session:
        session.add(WorkflowSnapshot(workflow_id="cress-disp", version=loaded.workflow.version, digest=loaded.digest,
                                     document={"bogus": True}, created_dt=now.astimezone(timezone.utc)))
        session.commit()
        with pytest.raises(InputError, match="changed but its version"):
            ops.create_site(session, catalog, name="Atelier neuf", workflow_id="cress-disp", start_on="2027-01-04",
                            opening_on="2029-01-01", actor=manager, now=now, region="Bretagne")
        session.rollback()
        assert session.query(Site).count() == 0
    counters.add("forged import files refused (broken snapshot not shared)", 1)
