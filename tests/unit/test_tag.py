"""Tag parsing and validation, with property-based checks."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vtsserving import Tag
from vtsserving.exceptions import InvalidArgument
from vtsserving.tag import new_version, validate_part

PART = st.from_regex(r"\A[a-z0-9]([-._a-z0-9]{0,61}[a-z0-9])?\Z")


@given(name=PART, version=PART)
def test_valid_tags_round_trip(name: str, version: str) -> None:
    tag = Tag.from_str(f"{name}:{version}")
    assert (tag.name, tag.version) == (name, version)
    assert Tag.from_str(str(tag)) == tag


@given(st.text(alphabet=string.printable + "é:/", max_size=80))
def test_any_text_parses_or_raises_invalid_argument(text: str) -> None:
    try:
        tag = Tag.from_str(text)
    except InvalidArgument as exc:
        assert "\n" not in str(exc)
        return
    assert len(tag.name) <= 63 and ":" not in tag.name
    assert Tag.from_str(str(tag)) == tag


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("../x", "invalid"),
        ("A B", "'A B' is invalid"),
        ("a" * 64, "longer than 63"),
        ("", "must be .name. or .name:version."),
        ("   ", "must be .name. or .name:version."),
        ("x:", "empty version"),
        ("-x", "invalid"),
        ("x:a/b", "version"),
        ("x:../..", "version"),
    ],
)
def test_bad_tags_name_the_problem(text: str, expected: str) -> None:
    with pytest.raises(InvalidArgument, match=expected):
        Tag.from_str(text)


def test_upper_case_is_lowered_and_latest_recognised() -> None:
    assert Tag.from_str("Iris_Clf:LATEST") == Tag("iris_clf", "latest")
    assert Tag.from_str("iris").is_latest and Tag("iris", "latest").is_latest
    assert not Tag("iris", "v1").is_latest
    assert str(Tag("iris")) == "iris" and repr(Tag("iris", "v1")) == "Tag('iris:v1')"


def test_from_taglike_and_validate_part() -> None:
    tag = Tag("a", "b")
    assert Tag.from_taglike(tag) is tag
    assert Tag.from_taglike("a:b") == tag
    assert validate_part("ok-1.2_3", "name") == "ok-1.2_3"
    with pytest.raises(InvalidArgument, match="non-empty string"):
        validate_part(None, "name")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="non-empty string"):
        Tag(3)  # type: ignore[arg-type]


def test_new_versions_are_valid_unique_and_sorted_by_time() -> None:
    versions = [new_version() for _ in range(2000)]
    assert len(set(versions)) == len(versions)
    assert all(validate_part(v, "version") == v and len(v) == 16 for v in versions)
    prefixes = [v[:10] for v in versions]
    assert prefixes == sorted(prefixes)
