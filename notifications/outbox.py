"""The `outbox://` Apprise plugin: the embedded default channel.

Each message becomes one JSON file under CAMPAIGN_HOME/outbox/ (or the URL's path, e.g.
`outbox:///srv/outbox`). The sender appends `?key=...&at=...`: the file is named after the
notification's natural key, so a retry after a crash overwrites rather than duplicates.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from apprise.decorators import notify

from campaign.config.settings import get_settings

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def outbox_file_name(key: str) -> str:
    return _UNSAFE.sub("_", key).strip("._")[:180] + ".json"


@notify(on="outbox", name="Campaign outbox (JSON files)")
def write_outbox(body: str, title: str, notify_type: str, meta: dict, *args, **kwargs) -> bool:
    query = meta.get("qsd") or {}
    # Apprise reads `outbox:///srv/outbox` as host "srv" + path "/outbox".
    host = meta.get("host") or ""
    directory = Path("/" + host + (meta.get("fullpath") or "")) if host else get_settings().outbox_dir
    directory.mkdir(parents=True, exist_ok=True)
    key = query.get("key") or f"unkeyed-{os.urandom(6).hex()}"
    record = {
        "key": key,
        "to": sorted(t for t in (meta.get("tag") or ()) if t != "always"),
        "title": title,
        "body": body,
        "time": query.get("at"),
        "type": str(notify_type),
    }
    target = directory / outbox_file_name(key)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, target)  # atomic: readers never see half a message
    return True
