"""ProfileStore: one JSON file per profile in a folder, written crash-safely.

Files: `<root>/<id>.json` (format version 1, see docs/profiles.md), the shared environments
in `<root>/environments.json`, each previous version as `<file>.bak`. The default root is
core.paths.config_dir()/"profiles". A file that can't be read (not JSON, an unknown version,
wrong types, no permission) is skipped, reported once through take_problems() as
(path, reason), and never overwritten. Secret values go to the system keyring when one works;
otherwise they stay in the files (always mode 0600) and take_notices() says so once.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from wsinspector.core.app.errors import UserError
from wsinspector.core.app.paths import config_dir
from wsinspector.core.storage.profiles.atomic import (
    backup_path,
    sweep_temporary_files,
    write_atomic,
)
from wsinspector.core.storage.profiles.format import (
    EXPORT_KIND,
    FORMAT_VERSION,
    Json,
    ProfileFormatError,
    dump,
    environments_from_json,
    environments_to_json,
    migrate,
    parse_document,
    profile_from_json,
    profile_to_json,
)
from wsinspector.core.storage.profiles.model import Environments, Profile, normalize_folder
from wsinspector.core.storage.profiles.secrets import (
    ENVIRONMENTS_KEY_PREFIX,
    KeyringVault,
    SecretStoreError,
    SecretVault,
    restore,
    restore_environments,
    secret_values,
    withhold,
    withhold_environments,
)
from wsinspector.core.storage.profiles.trust import TRUST_FILE, ScriptTrust

PROFILE_SUFFIX = ".json"
ENVIRONMENTS_FILE = "environments.json"
FILE_SECRETS_NOTICE = (
    "Secrets are kept in the profile files (readable only by you): "
    "no working system keyring was found."
)


class ProfileError(UserError):
    """A store operation that can't be done; the message is for people."""


@dataclass(frozen=True, slots=True)
class LoadProblem:
    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


_FIELD_KINDS = {
    "header": "header",
    "query": "query parameter",
    "variable": "variable",
    "auth": "Auth tab field",
    "cookie": "cookie",
}


def _secret_field_words(field: str) -> str:
    """A keyring key for people: "header/authorization/0" → header “authorization”."""
    parts = field.split("/")
    if parts[0] == "environment" and len(parts) == 3:
        return f"variable “{parts[2]}”"
    if parts[0] in _FIELD_KINDS and len(parts) >= 2:
        return f"{_FIELD_KINDS[parts[0]]} “{parts[1]}”"
    return field


@dataclass(frozen=True, slots=True)
class UnreadSecrets:
    """Secret values a load could not fetch (they loaded as ""), and why: the keyring's
    failure, "no working keyring", or "" when the keyring simply does not hold them."""

    fields: tuple[str, ...]
    reason: str

    def words(self, what: str) -> str:
        """What stops a connection that would send "" in their place, and the remedy."""
        why = self.reason or "not in the keyring"
        names = ", ".join(dict.fromkeys(_secret_field_words(field) for field in self.fields))
        return (
            f"{what}: the secret value of {names} can't be read ({why}); "
            "it would be sent empty. Unlock or set up the system keyring, or enter the value "
            "again in the window and save the profile"
        )


@dataclass(frozen=True, slots=True)
class ImportResult:
    profiles: list[Profile]
    environments_added: list[str]
    # Secret values the file did not carry (exported without secrets): they are empty now.
    missing_secrets: int


def default_root() -> Path:
    return config_dir() / "profiles"


def _read_bytes(path: Path) -> bytes:
    return path.read_bytes()


def _reason(exc: OSError) -> str:
    return f"can't be read: {exc.strerror or exc}"


class ProfileStore:
    def __init__(self, root: Path | None = None, vault: SecretVault | None = None) -> None:
        self.root = root if root is not None else default_root()
        self.vault: SecretVault = vault if vault is not None else KeyringVault()
        self._reported: set[tuple[Path, str]] = set()
        self._problems: list[LoadProblem] = []
        # The latest load's unread secret values, by owner (a profile id, or environments).
        self._unread: dict[str, UnreadSecrets] = {}
        self._notices: list[str] = []
        self._noticed: set[str] = set()
        # Consent to run imported profiles' test files: the user's, beside the profiles.
        self.trust = ScriptTrust(self.root.parent / TRUST_FILE)

    # -- reports -------------------------------------------------------------------------

    def take_problems(self) -> list[LoadProblem]:
        """Files found unreadable since the last call; each (path, reason) is reported once."""
        problems, self._problems = self._problems, []
        return problems

    def take_notices(self) -> list[str]:
        """Messages for people (secrets kept in the file, secrets missing from the keyring),
        each given once."""
        notices, self._notices = self._notices, []
        return notices

    def _problem(self, path: Path, reason: str) -> None:
        if (path, reason) not in self._reported:
            self._reported.add((path, reason))
            self._problems.append(LoadProblem(path, reason))

    def _notice(self, text: str) -> None:
        if text not in self._noticed:
            self._noticed.add(text)
            self._notices.append(text)

    @property
    def secrets_location(self) -> Literal["keyring", "file"]:
        """Where secret values go on the next save."""
        return "keyring" if self.vault.works() else "file"

    # -- files ---------------------------------------------------------------------------

    def path_of(self, profile_id: str) -> Path:
        if (
            not profile_id
            or profile_id.startswith(".")
            or any(c in profile_id for c in "/\\\0")
            or profile_id + PROFILE_SUFFIX == ENVIRONMENTS_FILE
        ):
            raise ProfileError(f"{profile_id!r} is not a profile id")
        return self.root / (profile_id + PROFILE_SUFFIX)

    def _ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        sweep_temporary_files(self.root)
        return sorted(
            path.name.removesuffix(PROFILE_SUFFIX)
            for path in self.root.glob("*" + PROFILE_SUFFIX)
            if not path.name.startswith(".") and path.name != ENVIRONMENTS_FILE
        )

    def _parse(self, path: Path, profile_id: str) -> tuple[Profile, frozenset[str]]:
        """The profile as the file holds it (withheld secrets empty); ProfileError if not."""
        try:
            raw = _read_bytes(path)
        except FileNotFoundError:
            raise ProfileError(f"no profile {profile_id!r}") from None
        except OSError as exc:
            raise ProfileError(_reason(exc)) from None
        try:
            return profile_from_json(migrate(parse_document(raw)), profile_id)
        except ProfileFormatError as exc:
            raise ProfileError(str(exc)) from None

    def _key(self, profile_id: str, field: str) -> str:
        return f"{profile_id}/{field}"

    def _fetch(self, owner: str, what: str, withheld: frozenset[str]) -> dict[str, str]:
        """The withheld values from the keyring; a notice names those it doesn't have."""
        values: dict[str, str] = {}
        problem = ""
        if withheld and self.vault.works():
            try:
                for field in sorted(withheld):
                    value = self.vault.get(self._key(owner, field))
                    if value is not None:
                        values[field] = value
            except SecretStoreError as exc:
                problem = f" (the keyring failed: {exc})"
        elif withheld:
            problem = " (no working keyring)"
        missing = sorted(withheld - values.keys())
        self._unread.pop(owner, None)
        if missing:
            self._unread[owner] = UnreadSecrets(tuple(missing), problem.strip(" ()"))
            self._notice(
                f"{what}: {len(missing)} secret value(s) are not in the keyring and are "
                f"empty{problem}: {', '.join(missing)}"
            )
        return values

    def unread_secrets(self, owner: str) -> UnreadSecrets | None:
        """The secret values the latest load of `owner` (a profile id, or
        ENVIRONMENTS_KEY_PREFIX) could not fetch; None when it had them all."""
        return self._unread.get(owner)

    # -- profiles ------------------------------------------------------------------------

    def load(self, profile_id: str) -> Profile:
        path = self.path_of(profile_id)
        try:
            profile, withheld = self._parse(path, profile_id)
        except ProfileError as exc:
            if path.exists():
                self._problem(path, str(exc))
            raise
        return restore(profile, self._fetch(profile_id, f"Profile {profile.name!r}", withheld))

    def profiles(self) -> list[Profile]:
        """Every readable profile, by folder then name; unreadable files go to take_problems()."""
        found = []
        for profile_id in self._ids():
            with contextlib.suppress(ProfileError):
                found.append(self.load(profile_id))
        return sorted(found, key=lambda p: (p.folder.casefold(), p.name.casefold(), p.id))

    def matching(self, text: str) -> list[Profile]:
        """Profiles whose name contains `text` (any case); all of them for blank text."""
        needle = text.strip().casefold()
        return [p for p in self.profiles() if needle in p.name.casefold()]

    def folders(self) -> list[str]:
        """Every folder and parent folder in use, sorted ('a', 'a/b', …)."""
        folders: set[str] = set()
        for profile in self.profiles():
            parts = profile.folder.split("/") if profile.folder else []
            for end in range(1, len(parts) + 1):
                folders.add("/".join(parts[:end]))
        return sorted(folders, key=str.casefold)

    def _existing_withheld(self, path: Path, profile_id: str) -> frozenset[str]:
        """The current file's withheld fields; ProfileError if it exists but can't be read."""
        if not path.exists():
            return frozenset()
        try:
            return self._parse(path, profile_id)[1]
        except ProfileError as exc:
            self._problem(path, str(exc))
            raise ProfileError(
                f"{path} can't be read ({exc}); it is left as it is, not overwritten"
            ) from None

    def _store_secrets(self, owner: str, values: dict[str, str]) -> bool:
        """True when all of `values` went to the keyring."""
        if not values:
            return False
        if self.vault.works():
            try:
                for field, value in values.items():
                    self.vault.set(self._key(owner, field), value)
            except SecretStoreError as exc:
                self._notice(
                    f"The keyring refused the secrets ({exc}); they are kept in the files, "
                    "readable only by you."
                )
            else:
                return True
        self._notice(FILE_SECRETS_NOTICE)
        return False

    def _forget_secrets(self, owner: str, fields: Iterable[str]) -> None:
        for field in fields:
            with contextlib.suppress(SecretStoreError):
                self.vault.delete(self._key(owner, field))

    def save(self, profile: Profile) -> Profile:
        """Write the profile (a new id if it has none); returns it as saved."""
        if not profile.id:
            profile = replace(profile, id=uuid.uuid4().hex)
        path = self.path_of(profile.id)
        old_withheld = self._existing_withheld(path, profile.id)
        values = secret_values(profile)
        in_keyring = self._store_secrets(profile.id, values)
        if in_keyring:
            stored, _ = withhold(profile)
            document = profile_to_json(stored, withheld=values)
        else:
            document = profile_to_json(profile)
        try:
            data = dump(document)
            self.root.mkdir(parents=True, exist_ok=True)
            write_atomic(path, data)
        except (OSError, ProfileFormatError) as exc:
            raise ProfileError(f"{profile.name!r} could not be saved: {exc}") from exc
        self._forget_secrets(profile.id, old_withheld - (values.keys() if in_keyring else set()))
        return profile

    def rename(self, profile_id: str, name: str) -> Profile:
        return self.save(replace(self.load(profile_id), name=name))

    def move(self, profile_id: str, folder: str) -> Profile:
        """Put the profile into `folder` ('a/b'; '' is the top level)."""
        return self.save(replace(self.load(profile_id), folder=normalize_folder(folder)))

    def duplicate(self, profile_id: str, name: str | None = None) -> Profile:
        """A copy under a new id (its secrets copied too), named `name` or '<name> copy'."""
        original = self.load(profile_id)
        copy = self.save(replace(original, id="", name=name or f"{original.name} copy"))
        if original.tests and self.trust.is_imported(profile_id):
            self.trust.mark_imported([copy.id])  # a copy is no more the user's own
        return copy

    def delete(self, profile_id: str) -> None:
        """Remove the profile and its keyring entries; its last version stays as `.bak`."""
        path = self.path_of(profile_id)
        if not path.exists():
            raise ProfileError(f"no profile {profile_id!r}")
        with contextlib.suppress(ProfileError):
            self._forget_secrets(profile_id, self._parse(path, profile_id)[1])
        try:
            os.replace(path, backup_path(path))
        except OSError as exc:
            raise ProfileError(f"{path} could not be deleted: {exc.strerror or exc}") from exc

    # -- environments --------------------------------------------------------------------

    @property
    def environments_path(self) -> Path:
        return self.root / ENVIRONMENTS_FILE

    def _parse_environments(self) -> tuple[Environments, frozenset[str]]:
        path = self.environments_path
        try:
            raw = _read_bytes(path)
        except FileNotFoundError:
            return Environments(), frozenset()
        except OSError as exc:
            self._problem(path, _reason(exc))
            raise ProfileError(_reason(exc)) from None
        try:
            return environments_from_json(parse_document(raw))
        except ProfileFormatError as exc:
            self._problem(path, str(exc))
            raise ProfileError(str(exc)) from None

    def load_environments(self) -> Environments:
        """The shared environments (none when the file is missing or unreadable)."""
        try:
            environments, withheld = self._parse_environments()
        except ProfileError:
            return Environments()
        values = self._fetch(ENVIRONMENTS_KEY_PREFIX, "Environments", withheld)
        return restore_environments(environments, values)

    def save_environments(self, environments: Environments) -> None:
        try:
            _, old_withheld = self._parse_environments()
        except ProfileError as exc:
            raise ProfileError(
                f"{self.environments_path} can't be read ({exc}); it is left as it is, "
                "not overwritten"
            ) from None
        stored, values = withhold_environments(environments)
        in_keyring = self._store_secrets(ENVIRONMENTS_KEY_PREFIX, values)
        document = environments_to_json(
            stored if in_keyring else environments, withheld=values if in_keyring else ()
        )
        try:
            data = dump(document)
            self.root.mkdir(parents=True, exist_ok=True)
            write_atomic(self.environments_path, data)
        except (OSError, ProfileFormatError) as exc:
            raise ProfileError(f"The environments could not be saved: {exc}") from exc
        self._forget_secrets(
            ENVIRONMENTS_KEY_PREFIX, old_withheld - (values.keys() if in_keyring else set())
        )

    # -- export and import ---------------------------------------------------------------

    def export(
        self,
        path: Path,
        profile_ids: Iterable[str] | None = None,
        *,
        folder: str | None = None,
        include_secrets: bool = False,
        include_environments: bool = False,
    ) -> int:
        """Write the chosen profiles (by id, or every profile in `folder` and its subfolders,
        or all) to one JSON file; secret values are left out unless include_secrets.
        Returns how many profiles were written."""
        if profile_ids is not None:
            chosen = [self.load(profile_id) for profile_id in profile_ids]
        else:
            chosen = self.profiles()
            if folder is not None:
                prefix = normalize_folder(folder)
                chosen = [
                    p
                    for p in chosen
                    if not prefix or p.folder == prefix or p.folder.startswith(prefix + "/")
                ]
        documents = []
        for profile in chosen:
            if include_secrets:
                documents.append(profile_to_json(profile))
            else:
                stored, values = withhold(profile)
                documents.append(profile_to_json(stored, withheld=values))
        bundle: Json = {"version": FORMAT_VERSION, "kind": EXPORT_KIND, "profiles": documents}
        if include_environments:
            environments = self.load_environments()
            if include_secrets:
                bundle["environments"] = environments_to_json(environments)
            else:
                stored_envs, env_values = withhold_environments(environments)
                bundle["environments"] = environments_to_json(stored_envs, withheld=env_values)
        try:
            write_atomic(path, dump(bundle), keep_backup=False)
        except (OSError, ProfileFormatError) as exc:
            raise ProfileError(f"{path} could not be written: {exc}") from exc
        return len(documents)

    def import_file(self, path: Path, into_folder: str = "") -> ImportResult:
        """Add the profiles of an exported file as new profiles (new ids; nothing existing is
        replaced), under `into_folder`. Environments that don't exist yet are added, and
        variables missing from existing ones. All or nothing: a bad entry imports none."""
        try:
            bundle = parse_document(_read_bytes(path))
        except OSError as exc:
            raise ProfileError(f"{path} {_reason(exc)}") from None
        except ProfileFormatError as exc:
            raise ProfileError(f"{path}: {exc}") from None
        if bundle.get("kind") != EXPORT_KIND:
            raise ProfileError(f"{path} is not a wsinspector profiles export")
        if bundle.get("version") != FORMAT_VERSION:
            raise ProfileError(f"{path}: unknown export version {bundle.get('version')!r}")
        entries = bundle.get("profiles")
        if not isinstance(entries, list):
            raise ProfileError(f"{path}: profiles must be a list")
        parsed: list[Profile] = []
        missing = 0
        try:
            for index, entry in enumerate(entries):
                if not isinstance(entry, dict):
                    raise ProfileFormatError(f"profiles[{index}] must be an object")
                try:
                    profile, withheld = profile_from_json(migrate(entry))
                except ProfileFormatError as exc:
                    raise ProfileFormatError(f"profiles[{index}]: {exc}") from None
                missing += len(withheld)
                folder = normalize_folder(f"{into_folder}/{profile.folder}")
                parsed.append(replace(profile, folder=folder))
            imported_envs: Environments | None = None
            if "environments" in bundle:
                env_document = bundle["environments"]
                if not isinstance(env_document, dict):
                    raise ProfileFormatError("environments must be an object")
                imported_envs, env_withheld = environments_from_json(env_document)
                missing += len(env_withheld)
        except ProfileFormatError as exc:
            raise ProfileError(f"{path}: {exc}") from None
        added: list[str] = []
        if imported_envs is not None:
            added = self._merge_environments(imported_envs)
        saved = [self.save(profile) for profile in parsed]
        self.trust.mark_imported(profile.id for profile in saved)
        return ImportResult(saved, added, missing)

    def _merge_environments(self, imported: Environments) -> list[str]:
        current = self.load_environments()
        merged = {name: dict(variables) for name, variables in current.environments.items()}
        added = []
        for name, variables in imported.environments.items():
            if name not in merged:
                added.append(name)
                merged[name] = {}
            for variable, value in variables.items():
                merged[name].setdefault(variable, value)
        result = Environments(merged, current.secret_variables | imported.secret_variables)
        if result != current:
            self.save_environments(result)
        return added
