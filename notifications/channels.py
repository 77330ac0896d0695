"""Who is reached how: recipient tag -> Apprise URLs, from config/apprise.yaml with ${ENV} secrets.

URLs carry tokens, so nothing here ever returns, logs or stores a URL: callers get schemas
("outbox", "mailtos", "wecombot") for the record and `redact()` for any error text.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from campaign.config.model import CampaignConfig, read_yaml
from campaign.errors import ConfigError

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_URL = re.compile(r"\b([a-z][a-z0-9+.-]*)://[^\s'\"<>]+", re.IGNORECASE)


@dataclass(frozen=True)
class DeliveryPolicy:
    """Retries within one run (with exponential backoff) and across runs (the row stays pending)."""

    attempts_per_run: int = 3
    backoff_seconds: float = 2.0  # wait before the 2nd attempt; doubles, capped by max_backoff_seconds
    max_backoff_seconds: float = 30.0
    max_attempts: int = 10  # across runs; then the notification is marked failed for a person to look at
    # A URL failing this many messages in a row is skipped for the rest of the run, so one dead
    # channel cannot stall thousands of messages behind its retries and backoff.
    circuit_after: int = 3
    # A send that got no answer within the channel's timeout may still have reached the receiver.
    # "hold": record it as outcome unknown and never send it again by itself (no duplicate; SASAC's
    # daily digest lists it for a person to check). "resend": treat it as a failure and retry (a
    # duplicate is possible; receivers that honour the Idempotency-Key header drop it).
    unknown_outcome: str = "hold"


@dataclass(frozen=True)
class Channels:
    default: tuple[str, ...]
    recipients: dict[str, tuple[str, ...]]
    secrets: frozenset[str] = field(default_factory=frozenset)
    delivery: DeliveryPolicy = field(default_factory=DeliveryPolicy)

    def urls_for(self, recipient: str) -> tuple[str, ...]:
        return self.recipients.get(recipient, self.default)

    def schemas_for(self, recipient: str) -> str:
        return ",".join(sorted({u.split("://", 1)[0].lower() for u in self.urls_for(recipient)}))

    def redact(self, text: str) -> str:
        """Remove every secret value and every URL body from a message meant for logs or the database."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return _URL.sub(lambda m: f"{m.group(1)}://***", text)


def _expand(url: str, where: str, secrets: set[str]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in os.environ or not os.environ[name]:
            raise ConfigError([f"{where}：环境变量 {name} 未设置（通知渠道的令牌须由环境变量提供）"])
        secrets.add(os.environ[name])
        return os.environ[name]

    return _VAR.sub(value, url)


def parse_channels(raw: dict, source: str = "apprise.yaml") -> Channels:
    if not isinstance(raw, dict):
        raise ConfigError([f"{source} 的顶层应为键值对象"])
    unknown = set(raw) - {"default", "recipients", "delivery"}
    if unknown:
        raise ConfigError([f"{source} 中不认识的字段：{', '.join(sorted(unknown))}"])
    secrets: set[str] = set()

    def url_list(value, where: str) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(u, str) and "://" in u for u in value):
            raise ConfigError([f'{source} 中 {where}：应为 Apprise URL 列表，如 ["outbox://"]'])
        return tuple(_expand(u.strip(), f"{source} 中 {where}", secrets) for u in value)

    default = url_list(raw.get("default", ["outbox://"]), "default")
    recipients_raw = raw.get("recipients") or {}
    if not isinstance(recipients_raw, dict):
        raise ConfigError([f"{source} 中 recipients：应为“收件人: URL 列表”的键值对象"])
    recipients = {str(k): url_list(v, f"recipients.{k}") for k, v in recipients_raw.items()}
    return Channels(default, recipients, frozenset(secrets), _delivery_policy(raw.get("delivery") or {}, source))


_DELIVERY_LIMITS = {
    "attempts_per_run": (int, 1, 10),
    "backoff_seconds": (float, 0, 300),
    "max_backoff_seconds": (float, 0, 3600),
    "max_attempts": (int, 1, 100),
    "circuit_after": (int, 1, 1000),
}
UNKNOWN_OUTCOME = ("hold", "resend")


def _delivery_policy(raw, source: str) -> DeliveryPolicy:
    if not isinstance(raw, dict):
        raise ConfigError([f"{source} 中 delivery：应为键值对象"])
    problems, values = [], {}
    for name, value in raw.items():
        if name == "unknown_outcome":
            if value in UNKNOWN_OUTCOME:
                values[name] = value
            else:
                problems.append(f"{source} 中 delivery.unknown_outcome：应为 hold 或 resend，当前值：{value!r}")
            continue
        if name not in _DELIVERY_LIMITS:
            problems.append(
                f"{source} 中 delivery.{name}：不认识的字段（可选：{'、'.join(_DELIVERY_LIMITS)}、unknown_outcome）"
            )
            continue
        kind, low, high = _DELIVERY_LIMITS[name]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (kind is int and not isinstance(value, int))
        ):
            problems.append(f"{source} 中 delivery.{name}：应为{'整数' if kind is int else '数字'}，当前值：{value!r}")
        elif not low <= value <= high:
            problems.append(f"{source} 中 delivery.{name}：应在 {low} 到 {high} 之间，当前值：{value!r}")
        else:
            values[name] = kind(value)
    if problems:
        raise ConfigError(problems)
    return DeliveryPolicy(**values)


def check_recipients(channels: Channels, config: CampaignConfig, source: str = "apprise.yaml") -> None:
    """A recipient that is neither an enterprise code nor a configured staff recipient is a typo (DDK00l for
    DDK001): that enterprise's messages would silently go to the default channel instead."""
    known = {e.code for e in config.enterprises} | {"sasac", config.reminders.escalation.recipient}
    unknown = sorted(set(channels.recipients) - known)
    if unknown:
        raise ConfigError(
            [
                f"{source} 中 recipients.{name}：不是 enterprises.yaml 中的企业代码，也不是区国资委收件人"
                for name in unknown
            ]
        )


def load_channels(path: Path) -> Channels:
    if not path.is_file():
        raise ConfigError([f"找不到通知渠道配置 {path}"])
    return parse_channels(read_yaml(path), path.name)


def with_delivery_metadata(url: str, key: str, at: str) -> str:
    """Outbox URLs learn the notification key and business time, so the file is named after the key."""
    if not url.lower().startswith("outbox://"):
        return url
    return url + ("&" if "?" in url else "?") + urlencode({"key": key, "at": at})
