"""Supabase access-token verification (app/core/auth.py). No network: tokens are signed here."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from pydantic import BaseModel

import app.core.auth as auth
from app.api.errors import install_error_handlers
from app.core.auth import (
    InvalidToken,
    SigningKeysUnavailable,
    SubjectDep,
    TokenVerifier,
    verifier_from_settings,
)
from app.core.config import Settings
from app.services.context import ensure_same_user
from app.services.errors import Forbidden

ISS = "https://proj.supabase.co/auth/v1"
SECRET = "super-secret-jwt-token-with-at-least-32-characters-long"
SUB = str(uuid.UUID("5b0c3f8e-9a1d-4c2e-8f7a-1d2e3f4a5b6c"))


def claims(**overrides: Any) -> dict:
    """Realistic Supabase user claims; an override of None drops the claim."""
    now = int(time.time())
    base = {"iss": ISS, "sub": SUB, "aud": "authenticated", "role": "authenticated", "iat": now,
            "exp": now + 3600, "email": "user@example.com", "aal": "aal1", "session_id": str(uuid.uuid4())}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def hs256(secret: str = SECRET, **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), secret, algorithm="HS256")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_signed_hs256(key: bytes, header: dict, payload: dict) -> str:
    """An HS256 token built by hand (PyJWT refuses to HMAC with a PEM key, an attacker would not)."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64url(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())}"


def public_pem(private_key: Any) -> bytes:
    return private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def ec_key2() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(private_key: Any, kid: str, alg: str | None) -> dict:
    algorithm = ECAlgorithm if isinstance(private_key, ec.EllipticCurvePrivateKey) else RSAAlgorithm
    key = algorithm.to_jwk(private_key.public_key(), as_dict=True) | {"kid": kid, "use": "sig"}
    if alg:
        key["alg"] = alg
    return key


def signed(private_key: Any, alg: str, kid: str, **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), private_key, algorithm=alg, headers={"kid": kid})


class FakeJwks:
    """The jwks callable: counts calls; can be edited (rotation) or made to fail."""

    def __init__(self, *keys: dict) -> None:
        self.keys = list(keys)
        self.calls = 0
        self.error: Exception | None = None

    def __call__(self) -> dict:
        self.calls += 1
        if self.error:
            raise self.error
        return {"keys": list(self.keys)}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def jwks_verifier(jwks: FakeJwks, clock: Clock | None = None, **kwargs: Any) -> TokenVerifier:
    return TokenVerifier(issuer=ISS, jwks=jwks, clock=clock or Clock(), **kwargs)


def rejected(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as info:
        verifier.verify(token)
    reason = str(info.value)
    for part in token.split("."):  # the reason never echoes the token
        assert len(part) < 8 or part not in reason
    return reason


# --- HS256 (legacy project secret) ---------------------------------------------------------------

@pytest.fixture
def hs_verifier() -> TokenVerifier:
    return TokenVerifier(issuer=ISS, hs256_secret=SECRET)


def test_hs256_valid_token_gives_claims(hs_verifier: TokenVerifier) -> None:
    verified = hs_verifier.verify(hs256())
    assert verified["sub"] == SUB and verified["role"] == "authenticated" and verified["iss"] == ISS


def test_hs256_expired(hs_verifier: TokenVerifier) -> None:
    now = int(time.time())
    assert "expired" in rejected(hs_verifier, hs256(iat=now - 7200, exp=now - 10))


def test_leeway_accepts_slightly_expired() -> None:
    now = int(time.time())
    token = hs256(iat=now - 7200, exp=now - 5)
    assert TokenVerifier(issuer=ISS, hs256_secret=SECRET, leeway_s=30).verify(token)["sub"] == SUB


def test_hs256_wrong_audience(hs_verifier: TokenVerifier) -> None:
    assert "audience" in rejected(hs_verifier, hs256(aud="anon"))


def test_hs256_wrong_issuer(hs_verifier: TokenVerifier) -> None:
    assert "issuer" in rejected(hs_verifier, hs256(iss="https://other.supabase.co/auth/v1"))


def test_iss_claim_is_always_required(hs_verifier: TokenVerifier) -> None:
    token = hs256(iss=None)
    assert "'iss'" in rejected(hs_verifier, token)
    assert "'iss'" in rejected(TokenVerifier(issuer=None, hs256_secret=SECRET), token)


def test_hs256_other_secret(hs_verifier: TokenVerifier) -> None:
    assert "signature" in rejected(hs_verifier, hs256(secret="another-secret-that-is-also-32-chars-long!"))


@pytest.mark.parametrize("claim", ["sub", "exp", "aud"])
def test_required_claims(hs_verifier: TokenVerifier, claim: str) -> None:
    assert f"'{claim}'" in rejected(hs_verifier, hs256(**{claim: None}))


@pytest.mark.parametrize(("claim", "value"), [
    ("exp", "9999999999"), ("exp", str(int(time.time()) + 3600)), ("nbf", "0"), ("nbf", True),
    ("nbf", False), ("iat", "1700000000"), ("iat", True), ("iat", False),
])
def test_time_claims_must_be_json_numbers(hs_verifier: TokenVerifier, claim: str, value: Any) -> None:
    """PyJWT takes whatever int() takes: a numeric-string exp far in the future was accepted."""
    token = jwt.encode({**claims(), claim: value}, SECRET, algorithm="HS256")
    assert f"'{claim}' claim must be a number" in rejected(hs_verifier, token)


@pytest.mark.parametrize(("claim", "value"), [("exp", True), ("exp", [9999999999]), ("exp", "soon"),
                                              ("iat", None), ("nbf", {"t": 0})])
def test_other_non_numbers_in_time_claims_are_refused_too(hs_verifier: TokenVerifier, claim: str,
                                                          value: Any) -> None:
    assert rejected(hs_verifier, jwt.encode({**claims(), claim: value}, SECRET, algorithm="HS256"))


def test_numeric_time_claims_are_accepted(hs_verifier: TokenVerifier) -> None:
    now = time.time()
    assert hs_verifier.verify(hs256(iat=now - 1.5, nbf=int(now) - 10, exp=now + 3600.5))["sub"] == SUB


@pytest.mark.parametrize("sub", ["", "   "])
def test_empty_subject(hs_verifier: TokenVerifier, sub: str) -> None:
    assert "subject" in rejected(hs_verifier, hs256(sub=sub))


def test_alg_none_rejected(hs_verifier: TokenVerifier, ec_key: ec.EllipticCurvePrivateKey) -> None:
    payload = b64url(json.dumps(claims()).encode())
    for alg in ("none", "None", "NONE"):
        token = f"{b64url(json.dumps({'alg': alg, 'typ': 'JWT'}).encode())}.{payload}."
        assert "algorithm" in rejected(hs_verifier, token)
        both = TokenVerifier(issuer=ISS, hs256_secret=SECRET, jwks=FakeJwks(jwk(ec_key, "ec-1", "ES256")))
        assert "algorithm" in rejected(both, token)


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "a.b", "....."])
def test_malformed(hs_verifier: TokenVerifier, token: str) -> None:
    assert rejected(hs_verifier, token)


@pytest.mark.parametrize("key_name", ["ec", "rsa"])
def test_algorithm_confusion_hs256_with_public_key(key_name: str, ec_key: ec.EllipticCurvePrivateKey,
                                                   rsa_key: rsa.RSAPrivateKey) -> None:
    """An HS256 token HMAC'd with the published public key (PEM or JWK JSON) is never accepted."""
    private_key, alg = (ec_key, "ES256") if key_name == "ec" else (rsa_key, "RS256")
    public_jwk = jwk(private_key, "k-1", alg)
    for key_bytes in (public_pem(private_key), json.dumps(public_jwk).encode()):
        token = hand_signed_hs256(key_bytes, {"alg": "HS256", "typ": "JWT", "kid": "k-1"}, claims())
        jwks_only = jwks_verifier(FakeJwks(public_jwk))
        assert "HS256" in rejected(jwks_only, token)
        both = jwks_verifier(FakeJwks(public_jwk), hs256_secret=SECRET)
        assert "signature" in rejected(both, token)


def test_oct_key_in_jwks_is_never_used() -> None:
    oct_key = {"kty": "oct", "k": b64url(SECRET.encode()), "kid": "oct-1", "alg": "HS256"}
    jwks = FakeJwks(oct_key)
    token = jwt.encode(claims(), SECRET, algorithm="HS256", headers={"kid": "oct-1"})
    assert "HS256" in rejected(jwks_verifier(jwks), token)
    assert jwks.calls == 0  # decided by the header alg alone


def test_asymmetric_token_rejected_without_jwks(hs_verifier: TokenVerifier,
                                                ec_key: ec.EllipticCurvePrivateKey) -> None:
    assert "not accepted" in rejected(hs_verifier, signed(ec_key, "ES256", "ec-1"))


def test_other_algorithms_rejected(hs_verifier: TokenVerifier, rsa_key: rsa.RSAPrivateKey) -> None:
    token = jwt.encode(claims(), SECRET + "-for-hs512" * 4, algorithm="HS512")
    assert "algorithm" in rejected(hs_verifier, token)
    ps = jwt.encode(claims(), rsa_key, algorithm="PS256", headers={"kid": "rsa-1"})
    assert "algorithm" in rejected(jwks_verifier(FakeJwks(jwk(rsa_key, "rsa-1", "PS256"))), ps)


# --- ES256 / RS256 via the project JWKS ----------------------------------------------------------

@pytest.mark.parametrize(("key_name", "alg", "with_alg_field"),
                         [("ec", "ES256", True), ("rsa", "RS256", True), ("ec", "ES256", False),
                          ("rsa", "RS256", False)])
def test_jwks_valid(key_name: str, alg: str, with_alg_field: bool, ec_key: ec.EllipticCurvePrivateKey,
                    rsa_key: rsa.RSAPrivateKey) -> None:
    private_key = ec_key if key_name == "ec" else rsa_key
    jwks = FakeJwks(jwk(private_key, "key-1", alg if with_alg_field else None))
    verifier = jwks_verifier(jwks)
    assert jwks.calls == 0  # lazy
    assert verifier.verify(signed(private_key, alg, "key-1"))["sub"] == SUB
    assert verifier.verify(signed(private_key, alg, "key-1"))["sub"] == SUB
    assert jwks.calls == 1  # cached


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_jwks_wrong_key_same_kid(alg: str, ec_key: ec.EllipticCurvePrivateKey,
                                 ec_key2: ec.EllipticCurvePrivateKey, rsa_key: rsa.RSAPrivateKey) -> None:
    published, attacker = (ec_key, ec_key2) if alg == "ES256" else (
        rsa_key, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    verifier = jwks_verifier(FakeJwks(jwk(published, "key-1", alg)))
    assert "signature" in rejected(verifier, signed(attacker, alg, "key-1"))


def test_jwks_expired_and_wrong_audience(ec_key: ec.EllipticCurvePrivateKey) -> None:
    verifier = jwks_verifier(FakeJwks(jwk(ec_key, "ec-1", "ES256")))
    now = int(time.time())
    assert "expired" in rejected(verifier, signed(ec_key, "ES256", "ec-1", iat=now - 7200, exp=now - 1))
    assert "audience" in rejected(verifier, signed(ec_key, "ES256", "ec-1", aud="anon"))


def test_header_alg_must_match_the_keys_alg(ec_key: ec.EllipticCurvePrivateKey,
                                            rsa_key: rsa.RSAPrivateKey) -> None:
    """An RS256 token naming the kid of an EC key (alg given or inferred) is rejected, and back."""
    for with_alg_field in (True, False):
        verifier = jwks_verifier(FakeJwks(jwk(ec_key, "ec-1", "ES256" if with_alg_field else None),
                                          jwk(rsa_key, "rsa-1", "RS256" if with_alg_field else None)))
        assert "does not match" in rejected(verifier, signed(rsa_key, "RS256", "ec-1"))
        assert "does not match" in rejected(verifier, signed(ec_key, "ES256", "rsa-1"))


def test_missing_kid(ec_key: ec.EllipticCurvePrivateKey) -> None:
    verifier = jwks_verifier(FakeJwks(jwk(ec_key, "ec-1", "ES256")))
    assert "kid" in rejected(verifier, jwt.encode(claims(), ec_key, algorithm="ES256"))


def test_unknown_kid_refetches_at_most_once_per_minute(ec_key: ec.EllipticCurvePrivateKey) -> None:
    jwks, clock = FakeJwks(jwk(ec_key, "ec-1", "ES256")), Clock()
    verifier = jwks_verifier(jwks, clock)
    verifier.verify(signed(ec_key, "ES256", "ec-1"))
    assert jwks.calls == 1
    clock.now += 61
    assert "unknown key" in rejected(verifier, signed(ec_key, "ES256", "bogus-1"))
    assert jwks.calls == 2  # one refetch
    clock.now += 30
    assert "unknown key" in rejected(verifier, signed(ec_key, "ES256", "bogus-2"))
    assert "unknown key" in rejected(verifier, signed(ec_key, "ES256", "bogus-1"))
    assert jwks.calls == 2  # within 60 s of the refetch: none
    verifier.verify(signed(ec_key, "ES256", "ec-1"))  # known kids are unaffected
    clock.now += 31
    rejected(verifier, signed(ec_key, "ES256", "bogus-3"))
    assert jwks.calls == 3


def test_unknown_kid_on_first_use_is_one_fetch(ec_key: ec.EllipticCurvePrivateKey) -> None:
    jwks = FakeJwks(jwk(ec_key, "ec-1", "ES256"))
    verifier = jwks_verifier(jwks)
    assert "unknown key" in rejected(verifier, signed(ec_key, "ES256", "bogus"))
    assert verifier.verify(signed(ec_key, "ES256", "ec-1"))["sub"] == SUB
    assert jwks.calls == 1


def test_key_rotation_is_picked_up(ec_key: ec.EllipticCurvePrivateKey, rsa_key: rsa.RSAPrivateKey,
                                   ec_key2: ec.EllipticCurvePrivateKey) -> None:
    jwks, clock = FakeJwks(jwk(ec_key, "ec-1", "ES256")), Clock()
    verifier = jwks_verifier(jwks, clock)
    verifier.verify(signed(ec_key, "ES256", "ec-1"))
    jwks.keys += [jwk(ec_key2, "ec-2", "ES256"), jwk(rsa_key, "rsa-1", "RS256")]
    clock.now += 60
    assert verifier.verify(signed(ec_key2, "ES256", "ec-2"))["sub"] == SUB
    assert verifier.verify(signed(rsa_key, "RS256", "rsa-1"))["sub"] == SUB
    assert verifier.verify(signed(ec_key, "ES256", "ec-1"))["sub"] == SUB
    assert jwks.calls == 2


def test_jwks_fetch_failure(ec_key: ec.EllipticCurvePrivateKey) -> None:
    jwks, clock = FakeJwks(jwk(ec_key, "ec-1", "ES256")), Clock()
    jwks.error = httpx.ConnectError("connection refused")
    verifier = jwks_verifier(jwks, clock)
    token = signed(ec_key, "ES256", "ec-1")
    with pytest.raises(SigningKeysUnavailable, match="^could not fetch the signing keys: ConnectError"):
        verifier.verify(token)
    with pytest.raises(InvalidToken, match="could not fetch the signing keys"):
        verifier.verify(token)
    assert jwks.calls == 1  # failures are paced too
    jwks.error = None
    clock.now += 5
    assert verifier.verify(token)["sub"] == SUB
    assert jwks.calls == 2


def test_failed_refetch_keeps_the_cached_keys(ec_key: ec.EllipticCurvePrivateKey) -> None:
    jwks, clock = FakeJwks(jwk(ec_key, "ec-1", "ES256")), Clock()
    verifier = jwks_verifier(jwks, clock)
    verifier.verify(signed(ec_key, "ES256", "ec-1"))
    clock.now += 61
    jwks.error = RuntimeError("boom")
    with pytest.raises(SigningKeysUnavailable):
        verifier.verify(signed(ec_key, "ES256", "new-kid"))
    assert verifier.verify(signed(ec_key, "ES256", "ec-1"))["sub"] == SUB
    assert "unknown key" in rejected(verifier, signed(ec_key, "ES256", "new-kid"))
    assert jwks.calls == 2


@pytest.mark.parametrize("document", [{"keys": []}, {"nokeys": 1}, ["not", "a", "dict"],
                                      {"keys": [{"kty": "EC", "crv": "P-256", "x": "bad", "y": "bad"}]}])
def test_unusable_jwks_is_a_fetch_failure(document: Any, ec_key: ec.EllipticCurvePrivateKey) -> None:
    verifier = TokenVerifier(issuer=ISS, jwks=lambda: document)
    with pytest.raises(SigningKeysUnavailable, match="could not fetch the signing keys"):
        verifier.verify(signed(ec_key, "ES256", "ec-1"))


def test_both_configured_pick_by_header_alg(ec_key: ec.EllipticCurvePrivateKey) -> None:
    jwks = FakeJwks(jwk(ec_key, "ec-1", "ES256"))
    verifier = jwks_verifier(jwks, hs256_secret=SECRET)
    assert verifier.verify(hs256())["sub"] == SUB
    assert jwks.calls == 0
    assert verifier.verify(signed(ec_key, "ES256", "ec-1"))["sub"] == SUB


# --- FastAPI glue ----------------------------------------------------------------------------------

class EchoBody(BaseModel):
    user_id: str


def echo_app(verifier: TokenVerifier | None) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    app.state.verifier = verifier

    @app.post("/echo")
    async def echo(body: EchoBody, subject: SubjectDep) -> dict:
        ensure_same_user(subject, body.user_id)
        return {"subject": subject}

    return TestClient(app)


@pytest.fixture
def client(hs_verifier: TokenVerifier) -> TestClient:
    return echo_app(hs_verifier)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(("headers", "detail"), [
    ({}, "missing Authorization header"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, "Bearer <token>"),
    ({"Authorization": "Bearer "}, "Bearer <token>"),
    ({"Authorization": "Bearer not-a-jwt"}, "invalid token: token is malformed"),
])
def test_glue_unauthorized(client: TestClient, headers: dict, detail: str) -> None:
    response = client.post("/echo", json={"user_id": SUB}, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert detail in response.json()["detail"]


def test_glue_expired(client: TestClient) -> None:
    now = int(time.time())
    response = client.post("/echo", json={"user_id": SUB}, headers=bearer(hs256(iat=now - 7200, exp=now - 1)))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"] == "invalid token: token has expired"


def test_glue_numeric_string_exp_is_401(client: TestClient) -> None:
    token = jwt.encode({**claims(), "exp": "9999999999"}, SECRET, algorithm="HS256")
    response = client.post("/echo", json={"user_id": SUB}, headers=bearer(token))
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"] == "invalid token: token 'exp' claim must be a number"


def test_glue_other_user(client: TestClient) -> None:
    response = client.post("/echo", json={"user_id": str(uuid.uuid4())}, headers=bearer(hs256()))
    assert response.status_code == 403
    assert response.json()["detail"] == "user_id does not match the signed-in user"


def test_glue_valid(client: TestClient) -> None:
    response = client.post("/echo", json={"user_id": SUB}, headers=bearer(hs256()))
    assert response.status_code == 200 and response.json() == {"subject": SUB}
    lower = client.post("/echo", json={"user_id": SUB}, headers={"Authorization": f"bearer {hs256()}"})
    assert lower.status_code == 200


def test_glue_local_mode() -> None:
    response = echo_app(None).post("/echo", json={"user_id": "anyone"})
    assert response.status_code == 200 and response.json() == {"subject": None}


def test_glue_keys_unavailable_is_503(ec_key: ec.EllipticCurvePrivateKey) -> None:
    jwks = FakeJwks()
    jwks.error = httpx.ConnectTimeout("timed out")
    response = echo_app(jwks_verifier(jwks)).post("/echo", json={"user_id": SUB},
                                                  headers=bearer(signed(ec_key, "ES256", "ec-1")))
    assert response.status_code == 503
    assert response.json()["detail"].startswith("could not fetch the signing keys")


def test_ensure_same_user_field_name() -> None:
    ensure_same_user(None, "anyone")
    ensure_same_user(SUB, SUB)
    with pytest.raises(Forbidden) as info:   # a 403 `forbidden` (app.api.errors.DOMAIN_ERRORS)
        ensure_same_user(SUB, "someone-else", field="consent.user_id")
    assert info.value.detail == "consent.user_id does not match the signed-in user"


# --- verifier_from_settings ----------------------------------------------------------------------

def make_settings(**kwargs: Any) -> Settings:
    base = {"SUPABASE_URL": None, "SUPABASE_JWT_SECRET": None, "SUPABASE_JWKS_URL": None,
            "SUPABASE_JWT_ISSUER": None}
    return Settings(_env_file=None, **(base | kwargs))


def test_settings_local_mode() -> None:
    assert verifier_from_settings(make_settings()) is None
    assert verifier_from_settings(make_settings(SUPABASE_URL="https://proj.supabase.co")) is None


def test_settings_refuse_verified_mode_without_an_issuer() -> None:
    with pytest.raises(ValueError, match="SUPABASE_URL"):
        verifier_from_settings(make_settings(SUPABASE_JWT_SECRET=SECRET))


def test_settings_hs256_only(ec_key: ec.EllipticCurvePrivateKey) -> None:
    verifier = verifier_from_settings(make_settings(SUPABASE_URL="https://proj.supabase.co/",
                                                    SUPABASE_JWT_SECRET=SECRET))
    assert verifier is not None and verifier.issuer == ISS
    assert verifier.verify(hs256())["sub"] == SUB
    assert "issuer" in rejected(verifier, hs256(iss="https://evil.supabase.co/auth/v1"))
    assert "not accepted" in rejected(verifier, signed(ec_key, "ES256", "ec-1"))


def test_settings_jwks_fetched_with_httpx(monkeypatch: pytest.MonkeyPatch,
                                          ec_key: ec.EllipticCurvePrivateKey) -> None:
    url = "https://proj.supabase.co/auth/v1/.well-known/jwks.json"
    calls: list[tuple[str, float]] = []

    def fake_get(target: str, *, timeout: float, **_: Any) -> httpx.Response:
        calls.append((target, timeout))
        return httpx.Response(200, json={"keys": [jwk(ec_key, "ec-1", "ES256")]},
                              request=httpx.Request("GET", target))

    monkeypatch.setattr(auth.httpx, "get", fake_get)
    verifier = verifier_from_settings(make_settings(SUPABASE_URL="https://proj.supabase.co",
                                                    SUPABASE_JWKS_URL=url))
    assert verifier is not None and calls == []
    assert verifier.verify(signed(ec_key, "ES256", "ec-1"))["sub"] == SUB
    assert verifier.verify(signed(ec_key, "ES256", "ec-1"))["sub"] == SUB
    assert calls == [(url, 5.0)]
    assert "HS256" in rejected(verifier, hs256())


def test_settings_jwks_http_error(monkeypatch: pytest.MonkeyPatch,
                                  ec_key: ec.EllipticCurvePrivateKey) -> None:
    def fake_get(target: str, **_: Any) -> httpx.Response:
        return httpx.Response(500, request=httpx.Request("GET", target))

    monkeypatch.setattr(auth.httpx, "get", fake_get)
    verifier = verifier_from_settings(make_settings(SUPABASE_JWKS_URL="https://proj.supabase.co/jwks",
                                                    SUPABASE_JWT_ISSUER=ISS))
    assert verifier is not None and verifier.issuer == ISS
    with pytest.raises(SigningKeysUnavailable, match="could not fetch the signing keys: HTTPStatusError"):
        verifier.verify(signed(ec_key, "ES256", "ec-1"))
