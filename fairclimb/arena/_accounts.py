"""Accounts: argon2id passwords, single-use invites, sessions and API tokens.

Every token is 32 random bytes shown once; the store keeps only its SHA-256, so a copy
of the database cannot be used to sign in. Checking a session is one indexed lookup,
never a password hash: the vote path stays fast.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fairclimb.arena._records import ArenaDenied, ArenaOptions, NotSignedIn, RateLimited, Role
from fairclimb.errors import UserInputError
from fairclimb.store import AccountRecord, ArenaStore, CredentialRow, UsernameTaken

__all__ = ["Accounts", "SignedIn", "new_token", "token_hash"]

_MIN_PASSWORD = 10
_MIN_REF = 6
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
        # Each hash takes ~64 MiB and a core: a burst of sign-ins waits for a slot
        # (in its worker thread) instead of exhausting the server's memory.
        self._slots = threading.BoundedSemaphore(max(1, options.hash_concurrency))
        self._dummy = self._hasher.hash(_DUMMY_PASSWORD)

    def create(self, username: str, password: str, role: Role) -> AccountRecord:
        username = self._new_username(username)
        try:
            return self._store.create_account(username, _pseudonym(), role.value,
                                              self._hash(password), _now())
        except UsernameTaken:  # taken between the check and the insert
            raise _taken(username) from None

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
        username = self._new_username(username)
        hashed = self._hash(password)
        try:
            account = self._store.redeem_invite(token_hash(token), username, _pseudonym(),
                                                hashed, _now())
        except UsernameTaken:
            raise _taken(username) from None
        if account is None:
            raise UserInputError("this invite link is unknown, used or expired; ask the "
                                 "admin for a new one")
        return account

    def login(self, username: str, password: str,
              address: str | None = None) -> tuple[str, SignedIn]:
        """Check the password and start a session; returns its token (for the cookie).

        Failed sign-ins are counted in the database per account and per address (so the
        lockout holds across server processes); past the limit, sign-in is refused
        without hashing until the window has passed."""
        username = unicodedata.normalize("NFKC", username)
        keys = [f"account:{username}"[:300]] + ([f"address:{address}"] if address else [])
        self._check_lockout(keys)
        account = self._store.account(username=username)
        try:
            with self._slots:
                self._hasher.verify(account.password_hash if account else self._dummy,
                                    password)
        except (VerificationError, InvalidHashError):
            account = None
        if account is None or account.disabled_at is not None:
            window = timedelta(minutes=self._options.signin_window_minutes)
            self._store.add_signin_failure(keys, _now(), _now() - window)
            raise NotSignedIn("wrong username or password")
        self._store.clear_signin_failures(keys[0])
        if self._hasher.check_needs_rehash(account.password_hash):
            self._store.set_password(account.id, self._hash(password))
        return self.start_session(account)

    def _check_lockout(self, keys: list[str]) -> None:
        minutes = self._options.signin_window_minutes
        failures = self._store.signin_failures(keys, _now() - timedelta(minutes=minutes))
        limits = (self._options.signin_failures_per_account,
                  self._options.signin_failures_per_address)
        if any(failures.get(key, 0) >= limit for key, limit in zip(keys, limits, strict=False)):
            raise RateLimited(f"too many failed sign-ins for this account or from this "
                              f"address; wait {minutes:g} minutes, or ask the admin to reset "
                              "the password")

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

    # -- the credential lifecycle (CLI: fairclimb arena credentials|revoke|disable|...) --

    def credentials(self) -> list[CredentialRow]:
        """Every invite and API token, named by the first characters of its hash."""
        return self._store.credentials()

    def revoke(self, ref: str) -> int:
        """Revoke the unused invites and API tokens named by ``ref`` (as listed)."""
        ref = ref.strip().lower()
        if len(ref) < _MIN_REF or any(c not in "0123456789abcdef" for c in ref):
            raise UserInputError(f"give at least {_MIN_REF} characters of a credential's "
                                 "reference, as 'fairclimb arena credentials' lists it")
        revoked = self._store.revoke(ref)
        if not revoked:
            raise UserInputError(f"no unused invite or API token starts with {ref!r}; "
                                 "list them with 'fairclimb arena credentials'")
        return revoked

    def account_states(self) -> list[tuple[str, str, bool]]:
        """Every account as (username, role, disabled)."""
        return self._store.account_states()

    def set_disabled(self, username: str, disabled: bool) -> AccountRecord:
        """Disable an account (its sessions end, it cannot sign in) or enable it."""
        account = self._existing(username)
        self._store.set_disabled(account.id, _now() if disabled else None)
        return account

    def reset_password(self, username: str, password: str) -> AccountRecord:
        """A new password; every session of the account ends and its lockout clears."""
        account = self._existing(username)
        self._store.set_password(account.id, self._hash(password))
        self._store.end_sessions(account.id)
        self._store.clear_signin_failures(f"account:{account.username}")
        return account

    def _existing(self, username: str) -> AccountRecord:
        account = self._store.account(username=unicodedata.normalize("NFKC", username))
        if account is None:
            raise UserInputError(f"there is no account {username!r}")
        return account

    def _hash(self, password: str) -> str:
        if len(password) < _MIN_PASSWORD:
            raise UserInputError(f"the password is too short; use at least {_MIN_PASSWORD} "
                                 "characters")
        with self._slots:
            return self._hasher.hash(password)

    def _new_username(self, username: str) -> str:
        """The NFKC form of a new username; refused if it mixes scripts or differs
        from an existing one only in case or width (a look-alike)."""
        username = _check_username(username)
        skeleton = username.casefold()
        if any(unicodedata.normalize("NFKC", other).casefold() == skeleton
               for other in self._store.usernames()):
            raise _taken(username)
        return username


def _check_username(username: str) -> str:
    username = unicodedata.normalize("NFKC", username)
    if not username or len(username) > _MAX_NAME or not username.isprintable() \
            or username != username.strip():
        raise UserInputError(f"a username needs 1 to {_MAX_NAME} printable characters, "
                             "without spaces at either end")
    scripts = {unicodedata.name(c, "?").split()[0] for c in username if c.isalpha()}
    if len(scripts) > 1:  # a Latin "a" next to a Cyrillic one: a name made to look alike
        raise UserInputError("a username must use letters of one script only (no look-"
                             "alike characters from another alphabet)")
    return username


def _pseudonym() -> str:
    # What exports and ratings show as the judge: stable per rater, not their name.
    return "rater-" + secrets.token_hex(6)


def _now() -> datetime:
    return datetime.now(UTC)


def _taken(username: str) -> UserInputError:
    return UserInputError(f"the username {username!r} is taken (or looks like one that is); "
                          "choose another one")
