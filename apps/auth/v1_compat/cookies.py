"""v1's token cookies, expired whenever v2 writes or removes its own.

v1 keeps both token cookies on path `/`, on the domain of AUTH_COOKIE_DOMAIN, the variable v2
reads for its own (eco2-team/backend@4c3eebb3, apps/auth/presentation/http/auth/cookie_params.py).
Left in place, a browser would keep sending v1's spent refresh token beside v2's. A cookie of
the same name, domain and path as v2's is v2's own (its write already replaced it), so only
those on other paths are expired.
"""

from __future__ import annotations

from apps.auth.presentation.http.cookies import TOKEN_COOKIE_PATHS

V1_PATH = "/"
V1_TOKEN_COOKIES = tuple(
    (name, V1_PATH) for name, path in TOKEN_COOKIE_PATHS.items() if path != V1_PATH
)
