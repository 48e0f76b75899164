"""Check a channel's credentials against its provider's typed schema.

The error names the offending key and what was wrong, never the value (it is a secret).
"""

from __future__ import annotations

from pydantic import ValidationError as SchemaError

from heedful.channels import registry
from heedful.core.errors import InvalidFields


def validated(provider_key: str, credentials: dict) -> dict:
    """The credentials as the schema types them (a port given as "993" becomes 993), keeping
    only the keys given, so an update changes only what it names."""
    if not isinstance(credentials, dict):
        raise InvalidFields("credentials must be a JSON object")
    schema = registry.get(provider_key).credentials
    try:
        checked = schema.model_validate(credentials)
    except SchemaError as exc:
        raise InvalidFields(f"invalid credentials for {provider_key}: {_describe(exc)}") from None
    return checked.model_dump(exclude_unset=True)


def _describe(exc: SchemaError) -> str:
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        key = ".".join(str(part) for part in error["loc"]) or "credentials"
        problem = "unknown key" if error["type"] == "extra_forbidden" else error["msg"].lower()
        problems.append(f"{key}: {problem}")
    return "; ".join(sorted(problems))


def keys(provider_key: str) -> list[str]:
    """The credential keys a provider takes, in its schema's order (for forms and docs)."""
    return list(registry.get(provider_key).credentials.model_fields)
