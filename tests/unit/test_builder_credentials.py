"""The credential scan of a new vts and the refusal of index options that carry passwords."""

from __future__ import annotations

from pathlib import Path

import pytest

from vtsserving.builder.credentials import check_option_urls, refuse_credentials, scan
from vtsserving.exceptions import BuildError, ConfigError

# Made-up values of the shapes the scan looks for (none is a real credential).
LEAKS = {
    "src/deploy/key.pem": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n",
    "src/rsa.txt": "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n",
    "src/settings.py": "AWS_ACCESS_KEY_ID = 'AKIAQWERTYUIOPASDFGH'\n",
    "src/aws.ini": "[default]\naws_secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEYab\n",
    "src/conf/netrc": "machine pypi.example.com\n  login ci\n  password hunter22\n",
    "src/conf/pypirc": "[distutils]\nindex-servers = pypi\n\n[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc\n",
    "src/conf/docker.json": '{"auths": {"registry.example.com": {"auth": "Y2k6aHVudGVyMjI="}}}',
    "env/python/requirements.txt": "--extra-index-url https://ci:s3cr3t-t0ken@pypi.example.com/simple\nsix\n",
    "src/gh.sh": "export GH_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789\n",
}
CLEAN = {
    "src/service.py": "import os\nPASSWORD = os.environ['DB_PASSWORD']\nURL = 'https://pypi.org/simple'\n",
    "src/README.md": "Use https://user:password@host/simple or https://$USER:${TOKEN}@host/ with your own values.\n",
    "models/m/v1/model.bin": "\x00\x01 not a key\n",
}


def _tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def test_every_leak_is_found_and_nothing_clean_is(tmp_path: Path) -> None:
    _tree(tmp_path, {**LEAKS, **CLEAN})
    found = dict(scan(tmp_path, []))
    assert set(found) == set(LEAKS)
    assert found["src/settings.py"] == "an AWS access key id"
    assert found["env/python/requirements.txt"] == "a URL with a password"


def test_the_build_is_refused_naming_the_files_unless_allowed(tmp_path: Path) -> None:
    _tree(tmp_path, {"src/tests/fixtures/test_key.pem": LEAKS["src/deploy/key.pem"], **CLEAN})
    with pytest.raises(BuildError) as info:
        refuse_credentials(tmp_path, [])
    message = str(info.value)
    assert "src/tests/fixtures/test_key.pem (a private key)" in message and "allow_credentials_in" in message
    assert "\n" not in message and "b3BlbnNzaC1rZXktdjE" not in message
    refuse_credentials(tmp_path, ["src/tests/fixtures/*.pem"])  # opted out: no error


@pytest.mark.parametrize(
    "value",
    ["https://ci:s3cr3t@pypi.example.com/simple", "--index-url=https://__token__:pypi-Ag@host/simple",
     "https://s3cr3tgl-token@gitlab.example.com/api/v4/projects/1/packages/pypi/simple"],
)
def test_index_options_with_passwords_are_refused_without_echoing_them(value: str) -> None:
    with pytest.raises(ConfigError, match=r"vtsfile.yaml: python.extra_index_url: .*--secret") as info:
        check_option_urls([("python.extra_index_url", value)], "vtsfile.yaml")
    assert "s3cr3t" not in str(info.value) and "pypi-Ag" not in str(info.value)
    check_option_urls([("python.extra_index_url", "https://pypi.example.com/simple")], "vtsfile.yaml")
    check_option_urls([("python.extra_index_url", "https://ci:${TOKEN}@pypi.example.com/simple")], "vtsfile.yaml")
