from pathlib import Path

import image_tags
import pytest

SHA = "0123456789abcdef0123456789abcdef01234567"
REPO = "docker.io/mng990/eco2"


def test_develop_gets_dev_latest_and_dev_short_sha() -> None:
    tags = image_tags.tags(image="auth-api", ref="refs/heads/develop", sha=SHA, version="2.0.0")

    assert tags == [f"{REPO}:auth-api-dev-latest", f"{REPO}:auth-api-dev-0123456"]


def test_main_gets_prod_latest_and_versioned_tags() -> None:
    tags = image_tags.tags(image="auth-api", ref="refs/heads/main", sha=SHA, version="2.0.0")

    assert tags == [
        f"{REPO}:auth-api-prod-latest",
        f"{REPO}:auth-api-v2.0.0",
        f"{REPO}:auth-api-v2.0.0-0123456",
    ]


def test_main_turns_build_metadata_plus_into_a_tag_safe_dash() -> None:
    tags = image_tags.tags(image="auth-api", ref="refs/heads/main", sha=SHA, version="2.1.0+hf1")

    assert tags[1] == f"{REPO}:auth-api-v2.1.0-hf1"


def test_canary_into_develop_gets_moving_dev_canary_and_an_immutable_sha_tag() -> None:
    tags = image_tags.tags(
        image="auth-api", ref="refs/pull/7/merge", sha=SHA, version="2.0.0", track="canary"
    )

    assert tags == [f"{REPO}:auth-api-dev-canary", f"{REPO}:auth-api-dev-canary-0123456"]


@pytest.mark.parametrize("base", ["feature/x", "release", "", "develop\nmain"])
def test_refuses_canary_tags_when_the_pull_request_targets_another_branch(base: str) -> None:
    with pytest.raises(ValueError, match="develop or main"):
        image_tags.tags(
            image="auth-api",
            ref="refs/pull/7/merge",
            sha=SHA,
            version="2.0.0",
            track="canary",
            base=base,
        )


def test_canary_into_main_gets_prod_canary_that_the_prod_overlay_tracks() -> None:
    tags = image_tags.tags(
        image="auth-api",
        ref="refs/pull/7/merge",
        sha=SHA,
        version="2.0.0",
        track="canary",
        base="main",
    )

    assert tags == [f"{REPO}:auth-api-prod-canary", f"{REPO}:auth-api-prod-canary-0123456"]


def test_relay_tags_use_its_own_image_name() -> None:
    tags = image_tags.tags(image="auth-relay", ref="refs/heads/develop", sha=SHA, version="2.0.0")

    assert tags == [f"{REPO}:auth-relay-dev-latest", f"{REPO}:auth-relay-dev-0123456"]


@pytest.mark.parametrize(
    ("image", "ref", "sha", "version"),
    [
        ("auth-api", "refs/heads/feature/x", SHA, "2.0.0"),
        ("auth-api", "refs/pull/7/merge", SHA, "2.0.0"),
        ("auth-api,evil", "refs/heads/develop", SHA, "2.0.0"),
        ("auth-api", "refs/heads/develop", "abc1234", "2.0.0"),
        ("auth-api", "refs/heads/main", SHA, "latest\nx"),
    ],
)
def test_refuses_refs_and_values_that_must_not_publish(
    image: str, ref: str, sha: str, version: str
) -> None:
    with pytest.raises(ValueError):
        image_tags.tags(image=image, ref=ref, sha=sha, version=version)


def test_cli_writes_comma_separated_tags_and_version_from_pyproject(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\nversion = "3.1.4"\n')
    output = tmp_path / "out"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))

    args = ["--image", "auth-relay", "--ref", "refs/heads/main", "--sha", SHA]
    code = image_tags.main([*args, "--pyproject", str(pyproject)])

    assert code == 0
    assert output.read_text().splitlines() == [
        f"tags={REPO}:auth-relay-prod-latest,{REPO}:auth-relay-v3.1.4,"
        f"{REPO}:auth-relay-v3.1.4-0123456",
        "version=3.1.4",
    ]


def test_cli_fails_without_writing_output_for_a_feature_branch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "out"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))

    code = image_tags.main(
        ["--image", "auth-api", "--ref", "refs/heads/x", "--sha", SHA, "--version", "2.0.0"]
    )

    assert code == 1
    assert not output.exists()
