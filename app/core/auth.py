"""Verification of Supabase user access tokens, and the FastAPI glue that turns them into a user id.

Two kinds of project signing keys exist side by side during Supabase's key migration: the legacy
HS256 shared secret and asymmetric ES256/RS256 keys published as a JWKS. The token header's `alg`
picks the path, and each path pins its algorithms, so a token can never be checked against the
other kind of key (the classic HS256-with-the-public-key confusion).
"""

import threading
import time
from collections.abc import Callable
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, HTTPException, Request, status
from jwt.exceptions import InvalidSubjectError
from starlette.concurrency import run_in_threadpool

from app.core.config import Settings

ASYMMETRIC_ALGORITHMS = frozenset({"ES256", "RS256"})
# After a successful fetch, an unknown `kid` refetches the JWKS at most this often: a key rotation
# is picked up within a minute, but a flood of made-up kids cannot hammer the auth server.
JWKS_MIN_REFETCH_S = 60.0
# While no keys were ever fetched nothing can be verified, so a failed fetch is retried sooner.
JWKS_RETRY_AFTER_FAILURE_S = 5.0
JWKS_FETCH_TIMEOUT_S = 5.0
REQUIRED_CLAIMS = ["exp", "sub", "aud", "iss"]
# RFC 7519 NumericDates: PyJWT takes anything int() takes ("9999999999", true), we take JSON numbers.
TIME_CLAIMS = ("exp", "nbf", "iat")

# Fixed reasons per PyJWT error: some PyJWT messages quote parts of the token, ours never do.
_REASONS: list[tuple[type[jwt.PyJWTError], str]] = [
    (jwt.ExpiredSignatureError, "token has expired"),
    (jwt.ImmatureSignatureError, "token is not valid yet"),
    (jwt.InvalidAudienceError, "token audience is not accepted"),
    (jwt.InvalidIssuerError, "token issuer is not accepted"),
    (jwt.InvalidSignatureError, "token signature is invalid"),  # before DecodeError, its base
    (jwt.InvalidAlgorithmError, "token algorithm does not match the signing key"),
    (InvalidSubjectError, "token subject must be a non-empty string"),
    (jwt.DecodeError, "token is malformed"),
]


class InvalidToken(Exception):
    """The token is not accepted. str(exc) is a reason fit for a 401 body; it never echoes the token."""


class SigningKeysUnavailable(InvalidToken):
    """The JWKS could not be fetched: the token may be fine, the server cannot tell (503 material)."""


def _reason(exc: jwt.PyJWTError) -> str:
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"token is missing the '{exc.claim}' claim"
    for kind, reason in _REASONS:
        if isinstance(exc, kind):
            return reason
    return "token is invalid"


class TokenVerifier:
    def __init__(self, *, issuer: str | None, audience: str = "authenticated",
                 hs256_secret: str | None = None,
                 jwks: Callable[[], dict] | None = None,
                 leeway_s: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """`jwks` returns the JWKS dict ({"keys": [...]}); it is called lazily and its keys cached.
        `clock` (monotonic seconds) only paces JWKS refetches; token expiry uses wall time."""
        self.issuer = issuer
        self.audience = audience
        self._secret = hs256_secret or None
        self._fetch_jwks = jwks
        self.leeway_s = leeway_s
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] | None = None  # kid -> key; replaced whole, never mutated
        self._next_fetch_at = float("-inf")
        self._last_fetch_error = ""
        self._lock = threading.Lock()

    def verify(self, token: str) -> dict:
        """The verified claims; raises InvalidToken."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("token is malformed") from None
        alg = header.get("alg")
        if alg == "HS256":
            if self._secret is None:
                raise InvalidToken("HS256 tokens are not accepted (no project JWT secret configured)")
            key: str | jwt.PyJWK = self._secret
        elif isinstance(alg, str) and alg in ASYMMETRIC_ALGORITHMS:
            if self._fetch_jwks is None:
                raise InvalidToken(f"{alg} tokens are not accepted (no JWKS configured)")
            key = self._jwk_for(header.get("kid"), alg)
        else:  # "none", HS384, PS256, garbage...: nothing else is ever accepted
            raise InvalidToken("token algorithm is not accepted")
        try:
            claims = jwt.decode(token, key, algorithms=[alg], audience=self.audience, issuer=self.issuer,
                                leeway=self.leeway_s, options={"require": REQUIRED_CLAIMS})
        except jwt.PyJWTError as exc:
            raise InvalidToken(_reason(exc)) from None
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub.strip():
            raise InvalidToken("token subject must be a non-empty string")
        for claim in TIME_CLAIMS:
            value = claims.get(claim)
            if claim in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise InvalidToken(f"token '{claim}' claim must be a number")
        return claims

    def _jwk_for(self, kid: Any, alg: str) -> jwt.PyJWK:
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("token has no key id (kid)")
        keys = self._keys
        if keys is None or kid not in keys:
            keys = self._refresh(kid)
        key = keys.get(kid)
        if key is None:
            raise InvalidToken("token is signed with an unknown key")
        # PyJWK takes the key's `alg` if present, else infers it from kty/crv (EC P-256 -> ES256,
        # RSA -> RS256); an RS256 header must not select an EC key or the other way round.
        if key.algorithm_name != alg:
            raise InvalidToken("token algorithm does not match the signing key")
        return key

    def _refresh(self, kid: str) -> dict[str, jwt.PyJWK]:
        """Refetch unless the pacing forbids it; returns the (possibly unchanged) key map."""
        with self._lock:
            keys = self._keys
            if keys is not None and kid in keys:  # another thread refetched while we waited
                return keys
            now = self._clock()
            if now < self._next_fetch_at:
                if keys is None:
                    raise SigningKeysUnavailable(
                        f"could not fetch the signing keys: {self._last_fetch_error}")
                return keys  # unknown kid, refetched recently: the caller rejects it
            assert self._fetch_jwks is not None
            try:
                fetched = _usable_keys(self._fetch_jwks())
            except Exception as exc:  # any failure of the fetch callable is a fetch failure
                self._last_fetch_error = _describe(exc)
                self._next_fetch_at = now + (JWKS_MIN_REFETCH_S if keys is not None
                                             else JWKS_RETRY_AFTER_FAILURE_S)
                raise SigningKeysUnavailable(
                    f"could not fetch the signing keys: {self._last_fetch_error}") from None
            self._keys = fetched
            self._next_fetch_at = now + JWKS_MIN_REFETCH_S
            return fetched


def _usable_keys(jwks: Any) -> dict[str, jwt.PyJWK]:
    if not isinstance(jwks, dict):
        raise ValueError("the JWKS is not a JSON object")
    keys = {}
    for key in jwt.PyJWKSet.from_dict(jwks).keys:  # skips keys PyJWT cannot use; raises if none
        if key.key_id and key.public_key_use in (None, "sig") and key.algorithm_name in ASYMMETRIC_ALGORITHMS:
            keys[key.key_id] = key
    if not keys:
        raise ValueError("the JWKS has no ES256/RS256 signing key with a kid")
    return keys


def _describe(exc: Exception) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _http_jwks(url: str) -> Callable[[], dict]:
    def fetch() -> dict:
        response = httpx.get(url, timeout=JWKS_FETCH_TIMEOUT_S, headers={"Accept": "application/json"})
        response.raise_for_status()
        return response.json()
    return fetch


def verifier_from_settings(settings: Settings) -> TokenVerifier | None:
    """None when neither SUPABASE_JWT_SECRET nor SUPABASE_JWKS_URL is set (local mode). With a JWKS URL,
    the jwks callable fetches it with httpx (timeout 5 s); TokenVerifier caches and paces it."""
    secret = settings.SUPABASE_JWT_SECRET.get_secret_value() if settings.SUPABASE_JWT_SECRET else None
    jwks_url = settings.SUPABASE_JWKS_URL or None
    if not secret and not jwks_url:
        return None
    if not settings.jwt_issuer:  # an unchecked issuer would accept any project's tokens
        raise ValueError("verified users need the token issuer: set SUPABASE_URL (issuer "
                         "<SUPABASE_URL>/auth/v1) or SUPABASE_JWT_ISSUER")
    return TokenVerifier(issuer=settings.jwt_issuer, hs256_secret=secret or None,
                         jwks=_http_jwks(jwks_url) if jwks_url else None)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


async def bearer_subject(request: Request) -> str | None:
    """None in local mode (request.app.state.verifier is None). Else the verified `sub` of the
    `Authorization: Bearer <token>` header, or HTTPException 401 with header WWW-Authenticate: Bearer
    and a detail saying what is wrong. 503 when the signing keys cannot be fetched."""
    # Deliberately no getattr default: an app that never set the verifier fails closed (500)
    # instead of silently running without authentication.
    verifier: TokenVerifier | None = request.app.state.verifier
    if verifier is None:
        return None
    header = request.headers.get("Authorization")
    if not header:
        raise _unauthorized("missing Authorization header")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("Authorization header must be 'Bearer <token>'")
    try:
        # A thread: verify may fetch the JWKS with a blocking HTTP call.
        claims = await run_in_threadpool(verifier.verify, token)
    except SigningKeysUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc),
                            headers={"Retry-After": str(int(JWKS_RETRY_AFTER_FAILURE_S))}) from None
    except InvalidToken as exc:
        raise _unauthorized(f"invalid token: {exc}") from None
    return claims["sub"]


SubjectDep = Annotated[str | None, Depends(bearer_subject)]
