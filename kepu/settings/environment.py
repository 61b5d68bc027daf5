"""Reading configuration from the environment, with typed defaults."""

import os
from urllib.parse import urlsplit


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def public_media_origins(
    *, bucket: str, endpoint_url: str = "", region: str = "", custom_domain: str = "", addressing_style: str = ""
) -> list[str]:
    """The origins public media URLs use, for the Content-Security-Policy (virtual-host and path style)."""
    if custom_domain:
        return [f"https://{custom_domain}"]
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        path_style, virtual = f"{parts.scheme}://{parts.netloc}", f"{parts.scheme}://{bucket}.{parts.netloc}"
    else:
        host = f"s3.{region}.amazonaws.com" if region else "s3.amazonaws.com"
        path_style, virtual = f"https://{host}", f"https://{bucket}.{host}"
    if addressing_style == "path":
        return [path_style]
    if addressing_style == "virtual":
        return [virtual]
    return [virtual, path_style]
