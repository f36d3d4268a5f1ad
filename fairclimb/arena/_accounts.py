"""Accounts: argon2id passwords, single-use invites, sessions and API tokens.

Every token is 32 random bytes shown once; the store keeps only its SHA-256, so a copy
of the database cannot be used to sign in. Checking a session is one indexed lookup,
never a password hash: the vote path stays fast.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fairclimb.arena._records import ArenaDenied, ArenaOptions, NotSignedIn, Role
from fairclimb.errors import UserInputError
from fairclimb.store import AccountRecord, ArenaStore

__all__ = ["Accounts", "SignedIn", "new_token", "token_hash"]

_MIN_PASSWORD = 10
_MAX_NAME = 64
# A fixed hash to verify against when the username is unknown, so that a login for an
# unknown name costs as long as one with a wrong password (no user enumeration by timing).
_DUMMY_PASSWORD = "fairclimb-not-a-password"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A live session: who, the CSRF token its forms must carry, and until when."""

    account: AccountRecord
    csrf_token: str
    expires_at: datetime
    current_briefing: int | None = None  # the briefing version in force at sign-in check

    @property
    def briefed(self) -> bool:
        return (self.current_briefing is not None
                and self.account.briefing_version == self.current_briefing)

    def check_csrf(self, sent: str | None) -> None:
        if not sent or not hmac.compare_digest(sent, self.csrf_token):
            raise ArenaDenied("this form is missing its security token or it is stale; "
                              "reload the page and submit again")

    def require_admin(self) -> None:
        if self.account.role != Role.ADMIN:
            raise ArenaDenied("only an admin may do this")


class Accounts:
    def __init__(self, store: ArenaStore, options: ArenaOptions) -> None:
        self._store = store
        self._options = options
        self._hasher = PasswordHasher()  # argon2id with the library's current defaults
        self._dummy = self._hasher.hash(_DUMMY_PASSWORD)

    def create(self, username: str, password: str, role: Role) -> AccountRecord:
        _check_username(username)
        return self._store.create_account(username, _pseudonym(), role.value,
                                          self._hash(password), _now())

    def invite(self, role: Role = Role.RATER) -> str:
        """A single-use invite token (shown once), valid for ``invite_days``."""
        token = new_token()
        now = _now()
        self._store.add_invite(token_hash(token), role.value,
                               now + timedelta(days=self._options.invite_days), now)
        return token

    def invite_valid(self, token: str) -> bool:
        return self._store.invite_role(token_hash(token), _now()) is not None

    def redeem(self, token: str, username: str, password: str) -> AccountRecord:
        _check_username(username)
        hashed = self._hash(password)
        account = self._store.redeem_invite(token_hash(token), username, _pseudonym(),
                                            hashed, _now())
        if account is None:
            raise UserInputError("this invite link is unknown, used or expired; ask the "
                                 "admin for a new one")
        return account

    def login(self, username: str, password: str) -> tuple[str, SignedIn]:
        """Check the password and start a session; returns its token (for the cookie)."""
        account = self._store.account(username=username)
        try:
            self._hasher.verify(account.password_hash if account else self._dummy, password)
        except (VerificationError, InvalidHashError):
            account = None
        if account is None:
            raise NotSignedIn("wrong username or password")
        if self._hasher.check_needs_rehash(account.password_hash):
            self._store.set_password(account.id, self._hasher.hash(password))
        return self.start_session(account)

    def start_session(self, account: AccountRecord) -> tuple[str, SignedIn]:
        token, csrf, now = new_token(), new_token(), _now()
        expires = now + timedelta(hours=self._options.session_hours)
        self._store.add_session(token_hash(token), account.id, csrf, expires, now)
        return token, self.session(token)  # read back: with the briefing in force

    def session(self, token: str | None) -> SignedIn:
        """The live session of a cookie, or :class:`NotSignedIn` saying why not."""
        if not token:
            raise NotSignedIn("please sign in")
        found = self._store.session(token_hash(token))
        if found is None:
            raise NotSignedIn("please sign in")
        if found.expires_at <= _now():
            self._store.end_session(token_hash(token))
            raise NotSignedIn("your session expired; please sign in again")
        return SignedIn(found.account, found.csrf_token, found.expires_at,
                        found.current_briefing)

    def logout(self, token: str) -> None:
        self._store.end_session(token_hash(token))

    def api_token(self, name: str) -> str:
        token = new_token()
        self._store.add_api_token(token_hash(token), name, _now())
        return token

    def check_api_token(self, token: str | None) -> str:
        name = self._store.api_token_name(token_hash(token)) if token else None
        if name is None:
            raise NotSignedIn("a valid API token is needed (Authorization: Bearer TOKEN)")
        return name

    def _hash(self, password: str) -> str:
        if len(password) < _MIN_PASSWORD:
            raise UserInputError(f"the password is too short; use at least {_MIN_PASSWORD} "
                                 "characters")
        return self._hasher.hash(password)


def _check_username(username: str) -> None:
    if not username or len(username) > _MAX_NAME or not username.isprintable() \
            or username != username.strip():
        raise UserInputError(f"a username needs 1 to {_MAX_NAME} printable characters, "
                             "without spaces at either end")


def _pseudonym() -> str:
    # What exports and ratings show as the judge: stable per rater, not their name.
    return "rater-" + secrets.token_hex(6)


def _now() -> datetime:
    return datetime.now(UTC)
