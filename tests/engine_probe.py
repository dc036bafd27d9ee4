"""Not collected with the suite (its name does not start with test_): the guard in
tests/test_engine_tests_alone.py runs it on purpose, to show that an engine test which
leans on the shipped method fails where the guard runs the engine tests."""


def test_a_site_made_with_the_default_workflow_reads_the_shipped_method(make_site):
    assert make_site().workflow_id == "cress-disp"
