"""deploy/service_keys.py: each signer's own key, and the public keys every service trusts."""

from __future__ import annotations

import stat
from pathlib import Path

from trivium.keys import load_private_key, load_trusted_keys, public_key_pem
from trivium.service_auth import EXPERIENCE_APIS, GATEWAY, OPERATOR, PROCESS_APIS

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"


def private_keys(directory: Path) -> dict[str, bytes]:
    return {path.stem: path.read_bytes() for path in (directory / "keys").glob("*.pem")}


class TestEnsureKeys:
    def test_a_key_per_signer_and_every_public_key_trusted(self, service_keys, tmp_path):
        service_keys.ensure_keys(tmp_path)

        trusted = load_trusted_keys(tmp_path / "trusted")
        signers = {GATEWAY, OPERATOR, *EXPERIENCE_APIS, *PROCESS_APIS}
        assert signers <= set(service_keys.SIGNERS)
        assert set(private_keys(tmp_path)) == set(service_keys.SIGNERS)
        assert {key.issuer for key in trusted} == set(service_keys.SIGNERS)
        for issuer in service_keys.SIGNERS:
            key = load_private_key(tmp_path / "keys" / f"{issuer}.pem")
            public = (tmp_path / "trusted" / f"{issuer}.pem").read_bytes()
            assert public == public_key_pem(key.public_key()), issuer

    def test_keys_differ_and_no_private_key_is_in_the_trusted_folder(self, service_keys, tmp_path):
        service_keys.ensure_keys(tmp_path)

        keys = private_keys(tmp_path)
        assert len(set(keys.values())) == len(keys)
        for path in (tmp_path / "trusted").iterdir():
            assert b"PRIVATE KEY" not in path.read_bytes(), path

    def test_a_second_run_keeps_the_keys(self, service_keys, tmp_path):
        first = service_keys.ensure_keys(tmp_path)
        before = private_keys(tmp_path)

        second = service_keys.ensure_keys(tmp_path)

        assert len(first) == len(service_keys.SIGNERS)
        assert second == []
        assert private_keys(tmp_path) == before

    def test_a_deleted_key_is_replaced_and_a_kept_previous_key_stays_trusted(
        self, service_keys, tmp_path
    ):
        service_keys.ensure_keys(tmp_path)
        (tmp_path / "trusted" / "quote-to-order.pem").rename(
            tmp_path / "trusted" / "quote-to-order.previous.pem"
        )
        (tmp_path / "keys" / "quote-to-order.pem").unlink()

        created = service_keys.ensure_keys(tmp_path)

        trusted = load_trusted_keys(tmp_path / "trusted")
        assert created == [tmp_path / "keys" / "quote-to-order.pem"]
        assert len([key for key in trusted if key.issuer == "quote-to-order"]) == 2

    def test_the_folder_is_its_owners_alone(self, service_keys, tmp_path):
        directory = tmp_path / "secrets"

        service_keys.main(["--directory", str(directory)])

        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        assert private_keys(directory)
