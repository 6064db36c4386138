from __future__ import annotations

import base64
import hashlib
import hmac


def s256_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def binding_hash(binding: str) -> str:
    return hashlib.sha256(binding.encode("utf-8")).hexdigest()


def binding_matches(expected_hash: str, presented: str | None) -> bool:
    if not presented:
        return False
    return hmac.compare_digest(expected_hash, binding_hash(presented))
