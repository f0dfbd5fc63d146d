"""schemathesis hooks for kyushoku (loaded through SCHEMATHESIS_HOOKS)."""

import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    """A batch body: one JSON document per line. The spec describes one line."""
    if value is None:
        return None
    if isinstance(value, (bytes, str)):
        return value if isinstance(value, bytes) else value.encode()
    lines = value if isinstance(value, list) else [value]
    return "\n".join(json.dumps(v, ensure_ascii=False) for v in lines).encode()
