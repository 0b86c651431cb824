"""What digest publish handed to each service, per issue: feeds/issues/<key>.published.json.

Beside the issue's decision file, one entry per profile: the campaign id, its state (draft,
sending, sent), the hash of the content the service holds and when it was recorded. Written
atomically after every step the service confirmed; it never holds a credential.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from digest import paths
from digest.config import Config
from digest.errors import PublishError
from digest.write import write_tree


def record_path(config: Config, issue: str) -> Path:
    """Beside the issue's decision file in the [editorial] folder."""
    key = issue.rsplit("/", 1)[-1]
    return paths.published_file(config.resolve(config.editorial.path), key)


def read_record(config: Config, issue: str) -> dict[str, Any]:
    """Every profile's entry for the issue; {} before the first publish."""
    path = record_path(config, issue)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        profiles = data["profiles"]
        # read as nothing recorded, a damaged record would let an SES profile send again
        if not isinstance(profiles, dict) or not all(
            isinstance(entry, dict) for entry in profiles.values()
        ):
            raise ValueError("'profiles' is not an object of one object a profile")
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise PublishError(
            f"{path}: cannot read: {error}; digest publish keeps what it sent there: restore "
            "it from git (without it listmonk and Mailchimp campaigns are found again by name, "
            "but SES keeps no campaign: an SES profile would send again)"
        ) from None
    return profiles


def write_record(
    config: Config, issue: str, profile_name: str, entry: dict[str, Any], now: datetime
) -> None:
    """Record one profile's campaign atomically (a temporary file renamed over the old)."""
    path = record_path(config, issue)
    profiles = read_record(config, issue)
    profiles[profile_name] = {**entry, "updated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
    document = {"issue": issue, "profiles": dict(sorted(profiles.items()))}
    data = (json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()
    write_tree(path.parent, {path.name: data})
