"""Key and certificate plumbing of `trivium.keys`."""

from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from trivium.keys import self_signed_certificate_pem


class TestSelfSignedCertificate:
    def test_names_and_certifies_the_key_for_the_days_asked(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

        pem = self_signed_certificate_pem(key, common_name="trivium-test", valid_days=30)

        certificate = x509.load_pem_x509_certificate(pem)
        [common_name] = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        assert common_name.value == "trivium-test"
        assert certificate.issuer == certificate.subject
        assert certificate.public_key() == key.public_key()
        certificate.verify_directly_issued_by(certificate)
        now = datetime.datetime.now(datetime.UTC)
        assert certificate.not_valid_before_utc < now
        lifetime = certificate.not_valid_after_utc - now
        assert datetime.timedelta(days=29) < lifetime <= datetime.timedelta(days=30)
