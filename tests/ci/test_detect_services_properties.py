import detect_services as ds
from hypothesis import given
from hypothesis import strategies as st

KNOWN = frozenset({"auth", "authx", "billing", "character"})

segment = st.sampled_from(
    ["auth", "authx", "auth_relay", "billing", "character", "setup", "tests", "main.py", "x.md"]
) | st.text(alphabet="abcxyz_.-", min_size=1, max_size=8)
top = st.sampled_from(["apps", "domains", "workloads", "docs", ".github", "scripts"])
service_path = st.builds(
    lambda first, rest: "/".join([first, *rest]), top, st.lists(segment, min_size=0, max_size=4)
)
shared = st.sampled_from(sorted(ds.SHARED_FILES))
paths = st.lists(service_path, max_size=20)
known = st.frozensets(st.sampled_from(sorted(KNOWN)))


@given(paths, st.randoms())
def test_detection_is_independent_of_order_and_duplicates(changes: list[str], rnd) -> None:
    shuffled = changes + changes
    rnd.shuffle(shuffled)

    assert ds.affected(shuffled, KNOWN) == ds.affected(changes, KNOWN)


@given(paths, known)
def test_detection_never_yields_an_unknown_service(changes: list[str], names: frozenset) -> None:
    assert ds.affected(changes, names) <= names


@given(paths, shared, st.randoms())
def test_a_shared_file_anywhere_in_the_change_set_selects_every_service(
    changes: list[str], shared_file: str, rnd
) -> None:
    with_shared = [*changes, shared_file]
    rnd.shuffle(with_shared)

    assert ds.affected(with_shared, KNOWN) == set(KNOWN)


@given(paths, paths)
def test_detection_of_a_union_is_the_union_of_detections(
    first: list[str], second: list[str]
) -> None:
    together = ds.affected(first + second, KNOWN)

    assert together == ds.affected(first, KNOWN) | ds.affected(second, KNOWN)


def _segments(path: str) -> list[str]:
    """A path's directories as git and the file system read them: `.` and empty ones vanish."""
    return [part for part in path.split("/") if part not in ("", ".")]


@given(paths)
def test_a_service_is_selected_only_through_its_own_directory(changes: list[str]) -> None:
    for name in ds.affected(changes, KNOWN):
        assert any(_segments(path)[:2] in (["apps", name], ["domains", name]) for path in changes)


def test_a_dot_segment_still_names_the_service_directory() -> None:
    assert ds.affected(["apps/./auth/main.py", "domains//billing/x.py"], KNOWN) == {
        "auth",
        "billing",
    }


@given(paths)
def test_every_service_selected_for_an_image_is_also_selected_for_tests(changes: list[str]) -> None:
    assert ds.affected(changes, KNOWN, image=True) <= ds.affected(changes, KNOWN)
