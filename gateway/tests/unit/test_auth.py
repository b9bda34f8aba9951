"""The jwt plugin's claim checks, at a time of the test's choosing."""

from __future__ import annotations

from trivium_gateway.bundled.auth import exceeds_maximum_expiration, verify_registered_claims

NOW = 1_800_000_000.0


class TestVerifyRegisteredClaims:
    def test_valid_now(self):
        claims = {"nbf": NOW, "exp": NOW + 60}

        assert verify_registered_claims(claims, ["exp", "nbf"], NOW) == {}

    def test_not_valid_yet(self):
        claims = {"nbf": NOW + 1, "exp": NOW + 60}

        assert verify_registered_claims(claims, ["exp", "nbf"], NOW) == {
            "nbf": "token not valid yet"
        }

    def test_missing_nbf_when_verified(self):
        assert verify_registered_claims({"exp": NOW + 60}, ["exp", "nbf"], NOW) == {
            "nbf": "must be a number"
        }

    def test_nbf_as_text(self):
        claims = {"nbf": str(int(NOW)), "exp": NOW + 60}

        assert verify_registered_claims(claims, ["exp", "nbf"], NOW) == {"nbf": "must be a number"}

    def test_expired_and_not_valid_yet(self):
        claims = {"nbf": NOW + 10, "exp": NOW}

        assert verify_registered_claims(claims, ["exp", "nbf"], NOW) == {
            "exp": "token expired",
            "nbf": "token not valid yet",
        }


class TestExceedsMaximumExpiration:
    def test_within(self):
        assert not exceeds_maximum_expiration({"exp": NOW + 3600}, 3600, NOW)

    def test_beyond(self):
        assert exceeds_maximum_expiration({"exp": NOW + 3601}, 3600, NOW)

    def test_without_exp(self):
        assert exceeds_maximum_expiration({}, 3600, NOW)

    def test_no_maximum(self):
        assert not exceeds_maximum_expiration({}, 0, NOW)
