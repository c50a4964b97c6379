"""The database session store, refusing a session cookie that cannot be one of its keys.

Django looks up whatever the `sessionid` cookie holds; a forged cookie with a NUL byte reaches PostgreSQL, which
refuses it with a DataError, and the request would end in a 500. A key Django issued is 32 lowercase letters and
digits; anything else is treated as no session at all, as an unknown key is."""

import string

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

KEY_CHARACTERS = frozenset(string.ascii_lowercase + string.digits)


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key):
        return super()._validate_session_key(key) and len(key) <= 40 and set(key) <= KEY_CHARACTERS
