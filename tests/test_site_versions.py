"""A site's optimistic-locking counter: recorded changes and the ORM's own flushes of a
site move the same ``version_id``, and a change made from a stale read is refused with
one refusal whichever path noticed it. Engine mechanics, on tests/definitions/tiny.yaml."""
import pytest
from sqlalchemy.orm.exc import StaleDataError

from setupflow.db import StaleRow, transaction
from setupflow.errors import StaleEdit
from setupflow.sites.models import Site
from setupflow.sites.records import record


def _two_reads(db, site_id):
    first, second = db.factory(), db.factory()
    return first, first.get(Site, site_id), second, second.get(Site, site_id)


def test_a_recorded_change_from_a_stale_read_is_refused_and_names_the_site(db, make_site, manager, now):
    site = make_site(workflow="tiny")
    first, site_a, second, site_b = _two_reads(db, site.id)
    before = site_a.version_id
    record(first, site_a, manager, now, "note")
    first.commit()
    assert site_a.version_id == before + 1
    with pytest.raises(StaleRow) as caught:
        record(second, site_b, manager, now, "note")
    assert isinstance(caught.value, StaleDataError) and (caught.value.table, caught.value.key) == ("sites", site.id)
    second.rollback()
    first.close()


def test_the_orms_own_flush_and_a_recorded_change_share_the_counter(db, make_site, manager, now):
    site = make_site(workflow="tiny")
    first, site_a, second, site_b = _two_reads(db, site.id)
    site_a.name = "Atelier renommé"
    first.commit()  # the ORM's versioned UPDATE
    assert site_a.version_id == site_b.version_id + 1
    with pytest.raises(StaleEdit) as stale:
        with transaction(lambda: second):
            record(second, site_b, manager, now, "note")
    assert (stale.value.code, stale.value.params["table"]) == ("record.stale", "sites")
    third = db.factory()
    site_c = third.get(Site, site.id)
    record(first, site_a, manager, now, "note")
    first.commit()
    site_c.name = "Atelier renommé encore"
    with pytest.raises(StaleEdit) as stale:
        with transaction(lambda: third):
            third.flush()  # SQLAlchemy's own StaleDataError
    assert (stale.value.code, stale.value.params["table"]) == ("record.stale", "sites")
    first.close()
